// Package message holds the data plane's own view of a request and of a response, so that the pipeline
// does not depend on the HTTP library that serves clients or the one that calls backends.
package message

import (
	"net/http"
	"time"
)

// Request is what the pipeline knows of a client request. Steps read it; none of them modifies it.
type Request struct {
	// ID is the gateway's request id, echoed in x-gatewayd-request-id.
	ID string
	// Method is the client's verb, upper case.
	Method string
	// Path is the escaped path below the stage prefix; it always starts with "/".
	Path string
	// RawQuery is the query string without the "?".
	RawQuery string
	// Header holds the client's headers with canonical names.
	Header http.Header
	// Body is the whole request body; the data plane buffers bodies (10 MB by default).
	Body []byte
	// SourceIP is the client's address without the port.
	SourceIP string
	// Scheme is "http" or "https", as the client reached the gateway.
	Scheme string
	// Host is the Host the client asked for.
	Host string
	// Protocol is the client's protocol, such as "HTTP/1.1".
	Protocol string
	// Received is when the gateway started on the request.
	Received time.Time
}

// Response is an answer the pipeline produced, from a backend or by itself.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}
