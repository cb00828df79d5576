// Package awstest is a local stand-in for the AWS services gatewayd's AWS integrations call, on a
// real HTTP server, in the manner of LocalStack: the Lambda Invoke API, DynamoDB PutItem and GetItem,
// Step Functions StartExecution, SQS SendMessage and STS AssumeRole. Every request must carry a valid
// SigV4 signature, checked with the data plane's verifier (the AWS SDK's signer), for a known access
// key, the server's region and the service it is sent to; anything else is refused with 403 as AWS
// refuses it. Tests of the data plane and the provider's acceptance tests use it.
package awstest

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/sigv4"
)

// Function answers one Lambda invocation: the payload, or an error message the function fails with
// (X-Amz-Function-Error: Unhandled, {"errorMessage": ..., "errorType": ...}).
type Function func(event []byte) (payload []byte, errorMessage string)

// Server plays AWS for one region and one access key.
type Server struct {
	// URL is the endpoint, for --aws-endpoint-url.
	URL string
	// Region, AccessKeyID and SecretAccessKey are what callers must sign with.
	Region, AccessKeyID, SecretAccessKey string

	srv *httptest.Server

	mu         sync.Mutex
	verifiers  map[string]*sigv4.Verifier
	secrets    map[string]string // access key -> secret, the STS-issued ones included
	tokens     map[string]string // STS-issued access key -> session token
	roleOf     map[string]string // STS-issued access key -> role ARN
	functions  map[string]Function
	events     map[string][][]byte
	signers    map[string][]string // service -> access keys that signed, in order
	tables     map[string][]map[string]any
	executions []map[string]any
	messages   map[string][]string
	rejected   []string
}

// New starts a server that accepts signatures of the given key for region. It stops when the test ends.
func New(t testing.TB, region, accessKeyID, secret string) *Server {
	t.Helper()
	s := &Server{
		Region: region, AccessKeyID: accessKeyID, SecretAccessKey: secret,
		verifiers: map[string]*sigv4.Verifier{},
		secrets:   map[string]string{accessKeyID: secret},
		tokens:    map[string]string{}, roleOf: map[string]string{},
		functions: map[string]Function{}, events: map[string][][]byte{}, signers: map[string][]string{},
		tables: map[string][]map[string]any{}, messages: map[string][]string{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL
	return s
}

// SetFunction deploys a function under its name (the last part of its ARN).
func (s *Server) SetFunction(name string, fn Function) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.functions[name] = fn
}

// Events returns the events a function received.
func (s *Server) Events(name string) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.events[name]...)
}

// Signers returns the access keys that signed the accepted calls of a service, in order.
func (s *Server) Signers(service string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.signers[service]...)
}

// RoleOf returns the role an STS-issued access key was issued for ("" for others).
func (s *Server) RoleOf(accessKeyID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.roleOf[accessKeyID]
}

// Items returns a DynamoDB table's items.
func (s *Server) Items(table string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.tables[table]...)
}

// Executions returns the StartExecution requests accepted.
func (s *Server) Executions() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.executions...)
}

// Messages returns the bodies sent to a queue (its URL's last path segment).
func (s *Server) Messages(queue string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.messages[queue]...)
}

// Rejected returns why requests were refused, in order.
func (s *Server) Rejected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.rejected...)
}

func (s *Server) verifier(service string) *sigv4.Verifier {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.verifiers[service]
	if v == nil {
		v = &sigv4.Verifier{Region: s.Region, Service: service}
		s.verifiers[service] = v
	}
	return v
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	service, key, err := s.verify(r, body)
	if err != nil {
		s.mu.Lock()
		s.rejected = append(s.rejected, err.Error())
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		json.NewEncoder(w).Encode(map[string]string{"__type": "InvalidSignatureException", "message": err.Error()})
		return
	}
	s.mu.Lock()
	s.signers[service] = append(s.signers[service], key)
	s.mu.Unlock()
	switch service {
	case "lambda":
		s.lambda(w, r, body)
	case "dynamodb":
		s.dynamodb(w, r, body)
	case "states":
		s.states(w, r, body)
	case "sqs":
		s.sqs(w, r, body)
	case "sts":
		s.sts(w, r, body)
	default:
		http.Error(w, "awstest: no service "+service, http.StatusNotFound)
	}
}

// verify checks the request's signature and returns the service it was signed for and its key.
func (s *Server) verify(r *http.Request, body []byte) (service, key string, err error) {
	sig, err := sigv4.Parse(r.Header, r.URL.Query())
	if err != nil {
		return "", "", fmt.Errorf("signature: %w", err)
	}
	path, _, _ := strings.Cut(r.RequestURI, "?")
	lookup := func(id string) (string, bool) {
		s.mu.Lock()
		defer s.mu.Unlock()
		secret, ok := s.secrets[id]
		return secret, ok
	}
	id, err := s.verifier(sig.Service).Verify(r.Context(), &sigv4.Request{
		Method: r.Method, Path: path, RawQuery: r.URL.RawQuery, Host: r.Host, Header: r.Header, Body: body,
	}, lookup)
	if err != nil {
		return "", "", fmt.Errorf("%s signature: %w", sig.Service, err)
	}
	s.mu.Lock()
	token, temporary := s.tokens[id]
	s.mu.Unlock()
	if temporary && r.Header.Get("X-Amz-Security-Token") != token {
		return "", "", fmt.Errorf("%s signature: temporary key %s without its session token", sig.Service, id)
	}
	return sig.Service, id, nil
}

func (s *Server) lambda(w http.ResponseWriter, r *http.Request, body []byte) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/2015-03-31/functions/")
	fn, ok2 := strings.CutSuffix(rest, "/invocations")
	if r.Method != http.MethodPost || !ok || !ok2 {
		lambdaError(w, http.StatusNotFound, "ResourceNotFoundException", "no such API "+r.Method+" "+r.URL.Path)
		return
	}
	// FunctionName: NAME, ACCOUNT:function:NAME or an ARN, each with an optional :QUALIFIER.
	name := fn
	if i := strings.Index(fn, "function:"); i >= 0 {
		name = fn[i+len("function:"):]
	}
	name, _, _ = strings.Cut(name, ":")
	s.mu.Lock()
	f := s.functions[name]
	if f != nil {
		s.events[name] = append(s.events[name], body)
	}
	s.mu.Unlock()
	if f == nil {
		lambdaError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+fn)
		return
	}
	payload, errMsg := f(body)
	w.Header().Set("Content-Type", "application/json")
	if errMsg != "" {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		payload, _ = json.Marshal(map[string]any{"errorMessage": errMsg, "errorType": "Error"})
	}
	w.Write(payload)
}

func lambdaError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", typ)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": msg})
}

func jsonError(w http.ResponseWriter, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}

// jsonRequest checks the JSON protocol's headers and returns the action.
func jsonRequest(w http.ResponseWriter, r *http.Request, prefix string, body []byte, in any) (string, bool) {
	action, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), prefix+".")
	if r.Method != http.MethodPost || !ok {
		jsonError(w, "com.amazon.coral.service#UnknownOperationException", "missing or unknown X-Amz-Target "+r.Header.Get("X-Amz-Target"))
		return "", false
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.0" {
		jsonError(w, "com.amazon.coral.service#UnknownOperationException", "Content-Type must be application/x-amz-json-1.0, got "+ct)
		return "", false
	}
	if err := json.Unmarshal(body, in); err != nil {
		jsonError(w, "com.amazon.coral.service#SerializationException", err.Error())
		return "", false
	}
	return action, true
}

func (s *Server) dynamodb(w http.ResponseWriter, r *http.Request, body []byte) {
	var in struct {
		TableName string         `json:"TableName"`
		Item      map[string]any `json:"Item"`
		Key       map[string]any `json:"Key"`
	}
	action, ok := jsonRequest(w, r, "DynamoDB_20120810", body, &in)
	if !ok {
		return
	}
	if in.TableName == "" {
		jsonError(w, "com.amazon.coral.validate#ValidationException", "TableName is required")
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	s.mu.Lock()
	defer s.mu.Unlock()
	switch action {
	case "PutItem":
		if len(in.Item) == 0 {
			jsonError(w, "com.amazon.coral.validate#ValidationException", "Item is required")
			return
		}
		s.tables[in.TableName] = append(s.tables[in.TableName], in.Item)
		w.Write([]byte("{}"))
	case "GetItem":
		var found map[string]any
		for _, item := range s.tables[in.TableName] {
			match := len(in.Key) > 0
			for k, v := range in.Key {
				if !reflect.DeepEqual(item[k], v) {
					match = false
				}
			}
			if match {
				found = item // the last write wins, as a put of the same key replaces the item
			}
		}
		out := map[string]any{}
		if found != nil {
			out["Item"] = found
		}
		json.NewEncoder(w).Encode(out)
	default:
		jsonError(w, "com.amazon.coral.service#UnknownOperationException", "awstest does not play DynamoDB "+action)
	}
}

func (s *Server) states(w http.ResponseWriter, r *http.Request, body []byte) {
	var in map[string]any
	action, ok := jsonRequest(w, r, "AWSStepFunctions", body, &in)
	if !ok {
		return
	}
	arn, _ := in["stateMachineArn"].(string)
	if action != "StartExecution" || !strings.Contains(arn, ":stateMachine:") {
		jsonError(w, "InvalidArn", "StartExecution needs a stateMachineArn, got "+arn)
		return
	}
	s.mu.Lock()
	s.executions = append(s.executions, in)
	n := len(s.executions)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	json.NewEncoder(w).Encode(map[string]any{
		"executionArn": strings.Replace(arn, ":stateMachine:", ":execution:", 1) + fmt.Sprintf(":run-%d", n),
		"startDate":    float64(time.Now().Unix()),
	})
}

// queryForm reads a query-protocol request: a form body of Content-Type x-www-form-urlencoded.
func queryForm(w http.ResponseWriter, r *http.Request, body []byte, version string) (url.Values, bool) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		http.Error(w, "<ErrorResponse><Error><Code>InvalidParameterValue</Code></Error></ErrorResponse>", http.StatusBadRequest)
		return nil, false
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("Version") != version {
		http.Error(w, "<ErrorResponse><Error><Code>InvalidParameterValue</Code><Message>bad form or Version</Message></Error></ErrorResponse>", http.StatusBadRequest)
		return nil, false
	}
	return form, true
}

func (s *Server) sqs(w http.ResponseWriter, r *http.Request, body []byte) {
	form, ok := queryForm(w, r, body, "2012-11-05")
	if !ok {
		return
	}
	queueURL := form.Get("QueueUrl")
	if queueURL == "" && r.URL.Path != "/" {
		queueURL = r.URL.Path // the path form: /ACCOUNT/QUEUE
	}
	queue := queueURL[strings.LastIndexByte(queueURL, '/')+1:]
	msg := form.Get("MessageBody")
	if form.Get("Action") != "SendMessage" || queue == "" || msg == "" {
		http.Error(w, "<ErrorResponse><Error><Code>MissingParameter</Code></Error></ErrorResponse>", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.messages[queue] = append(s.messages[queue], msg)
	n := len(s.messages[queue])
	s.mu.Unlock()
	sum := md5.Sum([]byte(msg))
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<SendMessageResponse><SendMessageResult><MD5OfMessageBody>%s</MD5OfMessageBody><MessageId>msg-%d</MessageId></SendMessageResult></SendMessageResponse>`,
		hex.EncodeToString(sum[:]), n)
}

func (s *Server) sts(w http.ResponseWriter, r *http.Request, body []byte) {
	form, ok := queryForm(w, r, body, "2011-06-15")
	if !ok {
		return
	}
	role := form.Get("RoleArn")
	if form.Get("Action") != "AssumeRole" || role == "" {
		http.Error(w, "<ErrorResponse><Error><Code>MissingParameter</Code></Error></ErrorResponse>", http.StatusBadRequest)
		return
	}
	id, secret, token := "ASIA"+randomHex(8), randomHex(20), randomHex(32)
	s.mu.Lock()
	s.secrets[id], s.tokens[id], s.roleOf[id] = secret, token, role
	s.mu.Unlock()
	type creds struct {
		AccessKeyID     string `xml:"AccessKeyId"`
		SecretAccessKey string
		SessionToken    string
		Expiration      string
	}
	type result struct {
		Credentials creds
	}
	out := struct {
		XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ AssumeRoleResponse"`
		Result  result   `xml:"AssumeRoleResult"`
	}{Result: result{Credentials: creds{id, secret, token, time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}}}
	w.Header().Set("Content-Type", "text/xml")
	xml.NewEncoder(w).Encode(out)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))[:n*2]
}

// Env returns the environment variables that point the AWS SDK's default chain at this server's
// key and keep it away from the user's own files and instance metadata.
func (s *Server) Env(dir string) map[string]string {
	return map[string]string{
		"AWS_ACCESS_KEY_ID":           s.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":       s.SecretAccessKey,
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             dir + "/aws-config-absent",
		"AWS_SHARED_CREDENTIALS_FILE": dir + "/aws-credentials-absent",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_ENDPOINT_URL":            "",
		"AWS_REGION":                  s.Region,
	}
}

// SetEnv sets Env for the test (which must then not be parallel).
func (s *Server) SetEnv(t testing.TB) {
	t.Helper()
	for k, v := range s.Env(t.TempDir()) {
		t.Setenv(k, v)
	}
}
