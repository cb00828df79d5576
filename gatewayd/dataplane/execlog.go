package dataplane

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/accesslog"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Execution logs (method settings logging_level ERROR or INFO, data_trace_enabled), as API Gateway's:
// for each request of a method that has them, the steps it went through, one line each, prefixed
// with the time and "(requestId)", in DATA_DIR/logs/API-Gateway-Execution-Logs_{api}/{stage}.log
// (API Gateway's log group name). ERROR logs only requests answered 4xx or 5xx. Bodies appear only with
// data_trace_enabled, cut at 1 KiB; secrets in headers (Authorization, cookies, security tokens) are
// masked, and API keys show their last 4 characters only. The lines are written after the answer, through the stage's sink, like access logs: a
// method without execution logs pays one nil check.

// execLogPolicy is a method's execution log settings, compiled.
type execLogPolicy struct {
	errorsOnly, dataTrace bool
	sink                  *accesslog.Sink
}

// maxTraceBody is how much of a body a data trace shows.
const maxTraceBody = 1024

// execLogDestination is the file of a stage's execution log, as API Gateway names its log group.
func execLogDestination(apiID, stage string) model.AccessLogDestination {
	return model.AccessLogDestination{Kind: model.AccessLogFile, Path: "logs/API-Gateway-Execution-Logs_" + apiID + "/" + stage + ".log"}
}

// compileExecLog resolves a method's logging_level and data_trace_enabled (its "path/VERB" entry, else
// "path/*", else "*/*"); nil when it logs nothing.
func (s *Server) compileExecLog(st model.Stage, path, verb string) *execLogPolicy {
	r := strings.TrimPrefix(path, "/")
	ms, ok := st.MethodSettings[r+"/"+verb]
	if !ok {
		ms, ok = st.MethodSettings[r+"/*"]
	}
	if !ok {
		ms, ok = st.MethodSettings["*/*"]
	}
	if !ok || (ms.LoggingLevel != "ERROR" && ms.LoggingLevel != "INFO") {
		return nil
	}
	return &execLogPolicy{errorsOnly: ms.LoggingLevel == "ERROR", dataTrace: ms.DataTraceEnabled,
		sink: s.accessLogs.Open(execLogDestination(st.RestAPIID, st.StageName))}
}

// execLine builds one execution log entry: lines with the time and the request id in front.
type execLine struct {
	buf    []byte
	prefix string
}

func (l *execLine) line(parts ...string) {
	if len(l.buf) > 0 {
		l.buf = append(l.buf, '\n')
	}
	l.buf = append(l.buf, l.prefix...)
	for _, p := range parts {
		l.buf = appendClean(l.buf, p)
	}
}

// appendClean appends s with line breaks and other control characters escaped, so that a value
// never starts a line of its own.
func appendClean(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\n':
			dst = append(dst, `\n`...)
		case c == '\r':
			dst = append(dst, `\r`...)
		case c < 0x20 && c != '\t' || c == 0x7f:
			dst = append(dst, '\\', 'x', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// secretHeaders are masked in execution logs.
var secretHeaders = map[string]bool{"Authorization": true, "Proxy-Authorization": true, "Cookie": true,
	"Set-Cookie": true, "X-Amz-Security-Token": true}

// mask hides an API key but its last 4 characters, as API Gateway's execution logs show keys.
func mask(v string) string {
	if len(v) < 20 {
		return "****"
	}
	return strings.Repeat("*", len(v)-4) + v[len(v)-4:]
}

// headerString writes headers as API Gateway's logs do, {Name=value, ...}, sorted, secrets masked.
func headerString(h http.Header) string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		v := strings.Join(h[k], ",")
		switch ck := http.CanonicalHeaderKey(k); {
		case ck == "X-Api-Key":
			v = mask(v)
		case secretHeaders[ck]:
			v = "****"
		}
		b.WriteString(k + "=" + v)
	}
	b.WriteByte('}')
	return b.String()
}

func body(b []byte) string {
	if len(b) > maxTraceBody {
		return string(b[:maxTraceBody]) + " [TRUNCATED]"
	}
	return string(b)
}

// logExecution writes the execution log of a request that ended with status (ge: the gateway's own
// answer, if any).
func (s *Server) logExecution(ex *exchange, p *execLogPolicy, status int, latency time.Duration, ge *gwerror.Error) {
	if p.errorsOnly && status < 400 {
		return
	}
	id := ex.req.ID
	l := execLine{prefix: ex.req.Received.UTC().Format("2006-01-02T15:04:05.000Z") + " (" + id + ") "}
	l.line("Extended Request Id: ", id)
	l.line("Starting execution for request: ", id)
	l.line("HTTP Method: ", ex.req.Method, ", Resource Path: ", ex.req.Path)
	if ep := ex.ep; ep != nil {
		l.line("Method: ", ep.verb, " ", ep.resourcePath, " (resource ", ep.resourceID, ")")
	}
	var params []string
	for i, n := range ex.paramNames {
		if i < len(ex.params) {
			params = append(params, n+"="+ex.params[i])
		}
	}
	l.line("Method request path: {", strings.Join(params, ", "), "}")
	l.line("Method request query string: ", ex.req.RawQuery)
	l.line("Method request headers: ", headerString(ex.req.Header))
	if p.dataTrace {
		l.line("Method request body before transformations: ", body(ex.req.Body))
	}
	c := &ex.caller
	if c.Key != nil {
		l.line("API Key ", mask(c.KeyValue), " (id ", c.Key.ID, ") authorized")
		if c.Plan != nil {
			l.line("Usage Plan check succeeded for API Key ", mask(c.KeyValue), " against usage plan ", c.Plan.ID)
		}
	}
	if a := c.Authorizer; a != nil {
		l.line("Authorizer allowed principal: ", a.PrincipalID)
	}
	if u := c.IAM; u != nil {
		l.line("IAM user authorized: ", u.UserARN)
	}
	if ex.cacheStatus != nil {
		if ex.cacheStatus[0] == "Hit" {
			l.line("Sending cached response")
		} else {
			l.line("Cache miss: calling the integration and caching its answer")
		}
	}
	if uri := ex.mctx.EndpointURI; uri != "" {
		origin := ""
		if ex.ep != nil && ex.ep.integration != nil {
			origin = ex.ep.integration.Origin()
		}
		l.line("Endpoint request URI: ", origin, uri)
		l.line("Endpoint request headers: ", headerString(ex.mctx.EndpointHeaders()))
	}
	if ex.integration >= 0 && ex.mctx.IntegrationStatus > 0 {
		l.line("Received response. Status: ", strconv.Itoa(ex.mctx.IntegrationStatus), ", Integration latency: ",
			strconv.FormatInt(ex.integration.Milliseconds(), 10), " ms")
	}
	if ge != nil {
		switch ge.Type {
		case model.ResponseThrottled:
			l.line("Request throttled: ", ge.Message)
		case model.ResponseQuotaExceeded:
			l.line("Usage plan quota exceeded: ", ge.Message)
		}
		cause := ""
		if ge.Err != nil {
			cause = ": " + ge.Err.Error()
		}
		l.line("Execution failed: ", strconv.Itoa(ge.Status), " ", ge.Message, cause)
		l.line("Gateway response type: ", responseType(ge), " with status code: ", strconv.Itoa(status))
	} else if r := ex.resp; r != nil {
		l.line("Method response headers: ", headerString(r.Header))
		if p.dataTrace {
			l.line("Method response body after transformations: ", body(r.Body))
		}
		l.line("Successfully completed execution")
	}
	l.line("Method completed with status: ", strconv.Itoa(status), " in ", strconv.FormatInt(latency.Milliseconds(), 10), " ms")
	buf := accesslog.Buffer()
	*buf = append(*buf, l.buf...)
	p.sink.Write(buf)
}
