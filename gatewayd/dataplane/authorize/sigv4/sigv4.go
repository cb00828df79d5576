// Package sigv4 verifies AWS Signature Version 4 on requests to AWS_IAM methods: the Authorization
// header form (curl --aws-sigv4, the AWS SDKs) and the query-string (presigned URL) form.
//
// Parsing the signature, checking its scope (service execute-api, the gateway's region, the date of
// X-Amz-Date), its time (within Window of now; a presigned URL until X-Amz-Expires), the body hash and
// replays is this package's. The signature itself is computed by the AWS SDK for Go v2's signer over
// the request as the client signed it (its method, path, query, body hash and exactly the headers it
// signed), then compared in constant time; no signing code is written here.
package sigv4

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
)

// Service is the signing name of API calls.
const Service = "execute-api"

const (
	algorithm     = "AWS4-HMAC-SHA256"
	amzDateFormat = "20060102T150405Z"
	// unsignedPayload is the payload hash presigned URLs use (botocore's, for one).
	unsignedPayload = "UNSIGNED-PAYLOAD"
	// maxExpires is SigV4's longest presigned URL, 7 days.
	maxExpires = 7 * 24 * time.Hour
)

// Signature is a request's parsed SigV4 signature.
type Signature struct {
	// Presigned is true for the query-string form.
	Presigned                          bool
	AccessKeyID, Date, Region, Service string
	// SignedHeaders are the signed header names, lower case, as the client listed them.
	SignedHeaders []string
	// Signature is the hex signature.
	Signature string
	// Time is X-Amz-Date.
	Time time.Time
	// Expires is a presigned URL's X-Amz-Expires.
	Expires time.Duration
}

// ErrNoSignature: the request carries no SigV4 signature at all.
var ErrNoSignature = errors.New("no AWS signature")

// ParseError says what part of a signature is missing or malformed, in AWS's words.
type ParseError struct {
	Message string
	// Incomplete is true when parts are missing (IncompleteSignatureException), false when present but
	// invalid (InvalidSignatureException).
	Incomplete bool
}

func (e *ParseError) Error() string { return e.Message }

// Parse reads the signature of a request from its Authorization header or, failing that, its query
// string. It returns ErrNoSignature when there is neither.
func Parse(h http.Header, query url.Values) (*Signature, error) {
	if auth := firstValue(h, "Authorization"); auth != "" {
		return parseHeader(auth, h)
	}
	if query.Get("X-Amz-Algorithm") != "" || query.Get("X-Amz-Signature") != "" || query.Get("X-Amz-Credential") != "" {
		return parseQuery(query)
	}
	return nil, ErrNoSignature
}

func firstValue(h http.Header, k string) string {
	if vv := h[k]; len(vv) > 0 {
		return vv[0]
	}
	return ""
}

func parseHeader(auth string, h http.Header) (*Signature, error) {
	rest, ok := strings.CutPrefix(auth, algorithm+" ")
	if !ok {
		alg, _, _ := strings.Cut(auth, " ")
		if strings.HasPrefix(alg, "AWS4-") {
			return nil, &ParseError{Message: "The request signature algorithm " + alg + " is not supported; use " + algorithm + "."}
		}
		return nil, &ParseError{Incomplete: true, Message: "Authorization header requires 'Credential' parameter. " +
			"Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
			"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + auth}
	}
	params := map[string]string{}
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, &ParseError{Message: "Authorization header has a malformed part " + strconv.Quote(part) + "."}
		}
		if _, dup := params[k]; dup {
			return nil, &ParseError{Message: "Authorization header names " + k + " twice."}
		}
		params[k] = v
	}
	var missing []string
	for _, k := range []string{"Credential", "Signature", "SignedHeaders"} {
		if params[k] == "" {
			missing = append(missing, "Authorization header requires '"+k+"' parameter.")
		}
	}
	date := firstValue(h, "X-Amz-Date")
	if date == "" {
		missing = append(missing, "Authorization header requires existence of a 'X-Amz-Date' header.")
	}
	if len(missing) > 0 {
		return nil, &ParseError{Incomplete: true, Message: strings.Join(missing, " ") + " Authorization=" + auth}
	}
	sig := &Signature{Signature: params["Signature"]}
	return sig, sig.fill(params["Credential"], params["SignedHeaders"], date)
}

func parseQuery(q url.Values) (*Signature, error) {
	var missing []string
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"} {
		if len(q[k]) != 1 || q[k][0] == "" {
			missing = append(missing, "AWS query-string parameters must include '"+k+"' exactly once.")
		}
	}
	if len(missing) > 0 {
		return nil, &ParseError{Incomplete: true, Message: strings.Join(missing, " ")}
	}
	if alg := q.Get("X-Amz-Algorithm"); alg != algorithm {
		return nil, &ParseError{Message: "The request signature algorithm " + alg + " is not supported; use " + algorithm + "."}
	}
	sig := &Signature{Presigned: true, Signature: q.Get("X-Amz-Signature")}
	if err := sig.fill(q.Get("X-Amz-Credential"), q.Get("X-Amz-SignedHeaders"), q.Get("X-Amz-Date")); err != nil {
		return nil, err
	}
	exp := q.Get("X-Amz-Expires")
	if exp == "" {
		sig.Expires = 15 * time.Minute
		return sig, nil
	}
	n, err := strconv.Atoi(exp)
	if err != nil || n < 1 || time.Duration(n)*time.Second > maxExpires {
		return nil, &ParseError{Message: "X-Amz-Expires must be a number of seconds between 1 and 604800, got " + strconv.Quote(exp) + "."}
	}
	sig.Expires = time.Duration(n) * time.Second
	return sig, nil
}

// fill reads the credential scope, the signed headers and the date.
func (s *Signature) fill(credential, signedHeaders, date string) error {
	parts := strings.Split(credential, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" || slices.Contains(parts, "") {
		return &ParseError{Message: "Credential should be of the form ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request, got " + strconv.Quote(credential) + "."}
	}
	s.AccessKeyID, s.Date, s.Region, s.Service = parts[0], parts[1], parts[2], parts[3]
	if len(s.Signature) != 64 || strings.Trim(s.Signature, "0123456789abcdef") != "" {
		return &ParseError{Message: "The request signature is not 64 lower-case hexadecimal digits."}
	}
	s.SignedHeaders = strings.Split(signedHeaders, ";")
	for i, h := range s.SignedHeaders {
		if h == "" || h != strings.ToLower(h) || (i > 0 && h <= s.SignedHeaders[i-1]) {
			return &ParseError{Message: "SignedHeaders must be lower-case header names in order, separated by ';', got " + strconv.Quote(signedHeaders) + "."}
		}
	}
	if !slices.Contains(s.SignedHeaders, "host") {
		return &ParseError{Message: "SignedHeaders must include host."}
	}
	t, err := time.Parse(amzDateFormat, date)
	if err != nil {
		return &ParseError{Message: "X-Amz-Date must be of the form YYYYMMDD'T'HHMMSS'Z', got " + strconv.Quote(date) + "."}
	}
	s.Time = t
	if !s.Presigned && !slices.Contains(s.SignedHeaders, "x-amz-date") {
		return &ParseError{Message: "SignedHeaders must include x-amz-date."}
	}
	return nil
}

// Request is a request as the client signed it.
type Request struct {
	Method string
	// Path is the path as the client sent it, escaped (the stage prefix included).
	Path     string
	RawQuery string
	Host     string
	Header   http.Header
	Body     []byte
}

// Verifier checks signatures. It is safe for concurrent use.
type Verifier struct {
	// Region is the region signatures must be scoped to.
	Region string
	// Service is the signing name signatures must be scoped to. Default Service (execute-api); test
	// peers that play an AWS service set theirs (lambda, dynamodb).
	Service string
	// Window is how far a request's X-Amz-Date may be from now. Default 5 minutes.
	Window time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// MaxReplays bounds the signatures remembered to refuse replays. Default 1,000,000.
	MaxReplays int

	once    sync.Once
	signer  *v4.Signer
	replays *replays
}

func (v *Verifier) init() {
	v.once.Do(func() {
		if v.Window <= 0 {
			v.Window = 5 * time.Minute
		}
		if v.Now == nil {
			v.Now = time.Now
		}
		if v.Service == "" {
			v.Service = Service
		}
		if v.MaxReplays <= 0 {
			v.MaxReplays = 1_000_000
		}
		v.signer = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableHeaderHoisting = true })
		v.replays = newReplays(v.MaxReplays)
	})
}

// Lookup returns the secret of an access key, and whether the key exists and is active.
type Lookup func(accessKeyID string) (secret string, ok bool)

// Verify checks the request's signature and returns its access key id. Its errors are gwerror answers
// with API Gateway's messages (403).
func (v *Verifier) Verify(ctx context.Context, r *Request, lookup Lookup) (string, error) {
	v.init()
	query, err := url.ParseQuery(r.RawQuery)
	if err != nil {
		return "", gwerror.IncompleteSignature("The request's query string is malformed.", err)
	}
	sig, err := Parse(r.Header, query)
	if errors.Is(err, ErrNoSignature) {
		return "", gwerror.MissingAuthenticationToken()
	}
	var pe *ParseError
	if errors.As(err, &pe) {
		if pe.Incomplete {
			return "", gwerror.IncompleteSignature(pe.Message, err)
		}
		return "", gwerror.InvalidSignature(pe.Message, err)
	}
	if sig.Service != v.Service {
		return "", gwerror.InvalidSignature("Credential should be scoped to correct service: '"+v.Service+"'. ", nil)
	}
	if sig.Region != v.Region {
		return "", gwerror.InvalidSignature("Credential should be scoped to a valid region. ", fmt.Errorf("signed for region %q, this gateway is %q", sig.Region, v.Region))
	}
	if sig.Date != sig.Time.Format("20060102") {
		return "", gwerror.InvalidSignature("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"+
			sig.Date+"' != '"+sig.Time.Format("20060102")+"', from '"+sig.Time.Format(amzDateFormat)+"'.", nil)
	}
	now := v.Now().UTC()
	if err := v.checkTime(sig, now); err != nil {
		return "", err
	}
	secret, ok := lookup(sig.AccessKeyID)
	if !ok {
		return "", gwerror.UnrecognizedClient(fmt.Errorf("unknown or inactive access key %s", sig.AccessKeyID))
	}
	bodyHash := hashHex(r.Body)
	if !sig.Presigned {
		if h := firstValue(r.Header, "X-Amz-Content-Sha256"); h != "" && h != bodyHash {
			return "", gwerror.InvalidSignature("The provided 'x-amz-content-sha256' header does not match what was computed.", nil)
		}
	}
	hashes := []string{bodyHash}
	if sig.Presigned {
		hashes = []string{unsignedPayload, bodyHash}
	}
	matched := false
	for _, ph := range hashes {
		want, err := v.expected(ctx, r, query, sig, secret, ph)
		if err != nil {
			return "", gwerror.InvalidSignature(err.Error(), err)
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(sig.Signature)) == 1 {
			matched = true
			break
		}
	}
	if !matched {
		return "", gwerror.InvalidSignature("The request signature we calculated does not match the signature you provided. "+
			"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.", nil)
	}
	// A header-signed POST or PATCH is good once: the same signature inside its window is a replay,
	// which could repeat its effect. Idempotent verbs are not refused, as identical requests made in
	// the same second (X-Amz-Date's unit) sign alike and a repeat does no harm; a presigned URL is
	// meant to be shared and serves until it expires.
	if !sig.Presigned && (r.Method == http.MethodPost || r.Method == http.MethodPatch) &&
		!v.replays.first(sig.Signature, sig.Time.Add(v.Window), now) {
		return "", gwerror.InvalidSignature("The request signature has already been used: sign every request anew.", errors.New("replayed signature"))
	}
	return sig.AccessKeyID, nil
}

// checkTime refuses a signature outside its validity, with AWS's messages.
func (v *Verifier) checkTime(sig *Signature, now time.Time) error {
	f := func(t time.Time) string { return t.Format(amzDateFormat) }
	min := int(v.Window / time.Minute)
	if sig.Time.After(now.Add(v.Window)) {
		return gwerror.ExpiredToken(fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %d min.)",
			f(sig.Time), f(now.Add(v.Window)), f(now), min), nil)
	}
	if sig.Presigned {
		if end := sig.Time.Add(sig.Expires); now.After(end) {
			return gwerror.ExpiredToken(fmt.Sprintf("Request has expired: signed at %s for %d seconds, now %s.",
				f(sig.Time), int(sig.Expires/time.Second), f(now)), nil)
		}
		return nil
	}
	if sig.Time.Before(now.Add(-v.Window)) {
		return gwerror.ExpiredToken(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %d min.)",
			f(sig.Time), f(now.Add(-v.Window)), f(now), min), nil)
	}
	return nil
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// expected returns the signature the client should have sent, computed by the AWS SDK's signer over the
// request rebuilt as the client signed it: its method, path, query (without the signature), exactly the
// headers it signed, and the payload hash.
func (v *Verifier) expected(ctx context.Context, r *Request, query url.Values, sig *Signature, secret, payloadHash string) (string, error) {
	u := &url.URL{Scheme: "http", Host: r.Host, RawPath: r.Path}
	p, err := url.PathUnescape(r.Path)
	if err != nil {
		return "", fmt.Errorf("the request path %q is not validly escaped", r.Path)
	}
	u.Path = p
	q := url.Values{}
	for k, vv := range query {
		switch k {
		case "X-Amz-Signature", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders":
			if sig.Presigned {
				continue // the signer sets them again
			}
		}
		q[k] = vv
	}
	u.RawQuery = q.Encode()
	req := &http.Request{Method: r.Method, URL: u, Host: r.Host, Header: http.Header{}}
	for _, name := range sig.SignedHeaders {
		switch name {
		case "host":
			continue
		case "x-amz-date":
			if !sig.Presigned {
				continue // the signer sets it from the signing time
			}
		case "content-length":
			n, err := strconv.ParseInt(firstValue(r.Header, "Content-Length"), 10, 64)
			if err != nil && len(r.Body) > 0 {
				n = int64(len(r.Body))
			}
			req.ContentLength = n
			continue
		}
		ck := http.CanonicalHeaderKey(name)
		vv, ok := r.Header[ck]
		if !ok {
			return "", fmt.Errorf("SignedHeaders lists %s, which the request does not have", name)
		}
		req.Header[ck] = vv
	}
	creds := aws.Credentials{AccessKeyID: sig.AccessKeyID, SecretAccessKey: secret}
	var gotHeaders, gotSig string
	if sig.Presigned {
		q := req.URL.Query()
		q.Set("X-Amz-Expires", strconv.Itoa(int(sig.Expires/time.Second)))
		req.URL.RawQuery = q.Encode()
		signed, _, err := v.signer.PresignHTTP(ctx, creds, req, payloadHash, sig.Service, sig.Region, sig.Time)
		if err != nil {
			return "", err
		}
		su, err := url.Parse(signed)
		if err != nil {
			return "", err
		}
		gotHeaders, gotSig = su.Query().Get("X-Amz-SignedHeaders"), su.Query().Get("X-Amz-Signature")
	} else {
		if err := v.signer.SignHTTP(ctx, creds, req, payloadHash, sig.Service, sig.Region, sig.Time); err != nil {
			return "", err
		}
		auth := req.Header.Get("Authorization")
		_, after, _ := strings.Cut(auth, "SignedHeaders=")
		gotHeaders, _, _ = strings.Cut(after, ",")
		_, gotSig, _ = strings.Cut(auth, "Signature=")
	}
	if gotHeaders != strings.Join(sig.SignedHeaders, ";") {
		// A header the SDK never signs (User-Agent, Expect...) was signed: the canonical request cannot
		// be rebuilt, so the signature cannot be checked.
		return "", fmt.Errorf("SignedHeaders %q cannot be verified (signed as %q); do not sign user-agent, expect, authorization or transfer-encoding",
			strings.Join(sig.SignedHeaders, ";"), gotHeaders)
	}
	return gotSig, nil
}

// replays remembers the signatures seen, each until its window ends, to refuse a request sent twice.
// It is bounded: when full, ended windows are forgotten, then arbitrary ones (an eighth at a time).
type replays struct {
	mu   sync.Mutex
	seen map[string]time.Time
	max  int
}

func newReplays(max int) *replays { return &replays{seen: map[string]time.Time{}, max: max} }

// first records sig until expires and reports whether it was not seen before.
func (r *replays) first(sig string, expires, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if until, ok := r.seen[sig]; ok && now.Before(until) {
		return false
	}
	if len(r.seen) >= r.max {
		for k, until := range r.seen {
			if !now.Before(until) {
				delete(r.seen, k)
			}
		}
		for k := range r.seen {
			if len(r.seen) < r.max-r.max/8 {
				break
			}
			delete(r.seen, k)
		}
	}
	r.seen[sig] = expires
	return true
}
