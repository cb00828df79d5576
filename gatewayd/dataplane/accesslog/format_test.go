package accesslog

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl/apigw"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// sampleEntry is the request of testdata/presets.txt.
func sampleEntry() *Entry {
	return &Entry{
		Ctx: &apigw.Context{
			RequestID:    "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
			APIID:        "1234567890",
			AccountID:    model.AccountID,
			Stage:        "prod",
			ResourceID:   "123456",
			ResourcePath: "/{proxy+}",
			HTTPMethod:   "POST",
			Path:         "/prod/path/to/resource",
			Protocol:     "HTTP/1.1",
			RequestTime:  time.Date(2015, 4, 9, 12, 34, 56, 0, time.UTC),
			Identity:     apigw.Identity{SourceIP: "127.0.0.1", UserAgent: "Custom User Agent String"},
		},
		Status:             200,
		ResponseLength:     52,
		ResponseLatency:    12 * time.Millisecond,
		IntegrationLatency: -1,
	}
}

// TestPresets renders API Gateway's CLF, JSON, XML and CSV presets for one request and compares the
// lines byte for byte with testdata/presets.txt (see its notes for where each comes from).
func TestPresets(t *testing.T) {
	f, err := os.Open("testdata/presets.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var format string
	cases := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "format: "):
			format = strings.TrimPrefix(line, "format: ")
		case strings.HasPrefix(line, "line: "):
			want := strings.TrimPrefix(line, "line: ")
			ff, err := Compile(format)
			if err != nil {
				t.Fatalf("Compile(%q) = %v", format, err)
			}
			if got := string(ff.Append(nil, sampleEntry())); got != want {
				t.Errorf("format %q\n got %s\nwant %s", format, got, want)
			}
			cases++
		}
	}
	if cases != 4 {
		t.Fatalf("presets.txt has %d cases, want 4 (CLF, JSON, XML, CSV)", cases)
	}
}

func TestCompileRefuses(t *testing.T) {
	for _, tc := range []struct{ format, want string }{
		{`$context.status $context.httpMethod`, "must contain $context.requestId"},
		{``, "is required"},
		{`$context.requestId $context.nope`, "unknown variable $context.nope"},
		{`$context.requestId $context.identity.bogus`, "unknown variable $context.identity.bogus"},
		{`$context.requestId $input.body`, "may only use $context variables, got $input"},
		{`$context.requestId $stageVariables.x`, "got $stageVariables"},
		{"$context.requestId\n$context.status", "must be one line"},
		{`$context.requestId $context.authorizer.claims`, "unknown variable $context.authorizer.claims"},
		{"$context.requestId \x01", "control characters"},
		{"$context.requestId " + strings.Repeat("x", model.MaxAccessLogFormatLength), "at most 8192"},
	} {
		_, err := Compile(tc.format)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Compile(%.60q) = %v, want an error containing %q", tc.format, err, tc.want)
		}
	}
}

func TestEveryVariable(t *testing.T) {
	e := sampleEntry()
	e.Ctx.Authorizer = &apigw.Authorizer{PrincipalID: "user-1", Claims: map[string]string{"sub": "abc"}, Context: map[string]string{"tenant": "t1"}}
	e.Ctx.Identity.APIKeyID, e.Ctx.Identity.APIKey = "key1", "secretvalue"
	e.IntegrationLatency, e.IntegrationStatus, e.FunctionStatus = 7*time.Millisecond, 200, 201
	e.Canary = true
	for _, tc := range []struct{ name, want string }{
		{"requestId", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"},
		{"extendedRequestId", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"},
		{"requestTimeEpoch", "1428582896000"},
		{"identity.userAgent", "Custom User Agent String"},
		{"identity.apiKeyId", "key1"},
		{"identity.apiKey", "secretvalue"},
		{"authorizer.principalId", "user-1"},
		{"authorizer.claims.sub", "abc"},
		{"authorizer.tenant", "t1"},
		{"authorizer.missing", "-"},
		{"integrationLatency", "7"},
		{"integration.latency", "7"},
		{"integrationStatus", "200"},
		{"integration.status", "201"},
		{"responseLatency", "12"},
		{"isCanaryRequest", "true"},
		{"path", "/prod/path/to/resource"},
		{"accountId", model.AccountID},
		{"error.message", "-"},
		{"error.messageString", "-"},
		{"waf.status", "-"},
		{"xrayTraceId", "-"},
	} {
		f, err := Compile("$context.requestId|$context." + tc.name)
		if err != nil {
			t.Fatalf("Compile(%s) = %v", tc.name, err)
		}
		got := string(f.Append(nil, e))
		if _, v, _ := strings.Cut(got, "|"); v != tc.want {
			t.Errorf("$context.%s = %q, want %q", tc.name, v, tc.want)
		}
	}
	// Every documented variable compiles.
	for _, v := range model.AccessLogVariables {
		if _, err := Compile("$context.requestId $context." + v.Name); err != nil {
			t.Errorf("$context.%s: %v", v.Name, err)
		}
	}
}

// TestEscaping: values a client controls cannot break a line out of its format's syntax.
func TestEscaping(t *testing.T) {
	e := sampleEntry()
	e.Ctx.Identity.UserAgent = "evil\" \\ <x>&\n\x01é"
	e.HasError, e.ErrorMessage, e.ErrorType = true, `Invalid "thing"`, "BAD_REQUEST_BODY"

	f, _ := Compile(`{"id":"$context.requestId","ua":"$context.identity.userAgent","error":$context.error.messageString}`)
	line := f.Append(nil, e)
	var got struct{ ID, UA, Error string }
	if err := json.Unmarshal(line, &got); err != nil {
		t.Fatalf("JSON line %s does not parse: %v", line, err)
	}
	if got.UA != e.Ctx.Identity.UserAgent || got.Error != e.ErrorMessage {
		t.Errorf("JSON line %s read back as %+v", line, got)
	}

	f, _ = Compile(`<r id="$context.requestId" ua="$context.identity.userAgent">$context.identity.userAgent</r>`)
	line = f.Append(nil, e)
	var x struct {
		UA   string `xml:"ua,attr"`
		Text string `xml:",chardata"`
	}
	if err := xml.Unmarshal(line, &x); err != nil {
		t.Fatalf("XML line %s does not parse: %v", line, err)
	}
	if want := "evil\" \\ <x>&\n?é"; x.Text != want {
		t.Errorf("XML text = %q, want %q", x.Text, want)
	}

	f, _ = Compile(`$context.requestId "$context.identity.userAgent"`)
	if got, want := string(f.Append(nil, e)), `c6af9ac6-7b61-11e6-9a41-93e8deadbeef "evil\" \\ <x>&\x0a\x01é"`; got != want {
		t.Errorf("text line = %s, want %s", got, want)
	}
}

func TestErrorVariables(t *testing.T) {
	e := sampleEntry()
	e.Status, e.HasError, e.ErrorMessage, e.ErrorType = 429, true, "Too Many Requests", "THROTTLED"
	f, _ := Compile(`$context.requestId $context.status $context.error.responseType $context.error.messageString [$context.error.message]`)
	if got, want := string(f.Append(nil, e)), `c6af9ac6-7b61-11e6-9a41-93e8deadbeef 429 THROTTLED \"Too Many Requests\" [Too Many Requests]`; got != want {
		t.Errorf("line = %s, want %s", got, want)
	}
	e.ErrorMessage = ""
	f, _ = Compile(`{"id":"$context.requestId","m":$context.error.messageString}`)
	if got, want := string(f.Append(nil, e)), `{"id":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef","m":null}`; got != want {
		t.Errorf("line = %s, want %s", got, want)
	}
}

// BenchmarkAppendJSON renders the JSON preset's line: the per-request cost of an access log.
func BenchmarkAppendJSON(b *testing.B) {
	f, err := Compile(`{ "requestId":"$context.requestId", "extendedRequestId":"$context.extendedRequestId","ip": "$context.identity.sourceIp", "caller":"$context.identity.caller", "user":"$context.identity.user", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod", "resourcePath":"$context.resourcePath", "status":"$context.status", "protocol":"$context.protocol", "responseLength":"$context.responseLength" }`)
	if err != nil {
		b.Fatal(err)
	}
	e := sampleEntry()
	e.Ctx.RequestTime = time.Now()
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		buf := Buffer()
		*buf = f.Append(*buf, e)
		buffers.Put(buf)
	}
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// processCPU is the CPU time the process used so far, in nanoseconds: on a loaded machine it says what
// the work costs better than wall time does.
func processCPU() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkLogLine is the whole cost of one access log line: rendering the JSON preset, queueing it,
// and the writer goroutine writing it to a file. cpu-ns/op is the process's CPU time per line, the
// writer's included.
func BenchmarkLogLine(b *testing.B) {
	f, err := Compile(`{ "requestId":"$context.requestId", "extendedRequestId":"$context.extendedRequestId","ip": "$context.identity.sourceIp", "caller":"$context.identity.caller", "user":"$context.identity.user", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod", "resourcePath":"$context.resourcePath", "status":"$context.status", "protocol":"$context.protocol", "responseLength":"$context.responseLength" }`)
	if err != nil {
		b.Fatal(err)
	}
	sinks, err := NewSinks(Options{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	sk := sinks.Open(model.AccessLogDestination{Kind: model.AccessLogFile, Path: "logs/bench.log"})
	e := sampleEntry()
	e.Ctx.RequestTime = time.Now()
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		buf := Buffer()
		*buf = f.Append(*buf, e)
		sk.Write(buf)
		if len(sk.ch) > cap(sk.ch)/2 {
			time.Sleep(time.Millisecond) // stay under the queue's bound: measure writes, not drops
		}
	}
	sinks.Close()
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
	if d := value(sinks.dropped.WithLabelValues(sk.Name(), "buffer_full")); d > 0 {
		b.Logf("%v lines dropped", d)
	}
}
