package dataplane_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// The presets of testdata/presets.txt in package accesslog, which compares their lines byte for byte.
const (
	presetCLF  = `$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId $context.extendedRequestId`
	presetJSON = `{ "requestId":"$context.requestId", "extendedRequestId":"$context.extendedRequestId","ip": "$context.identity.sourceIp", "caller":"$context.identity.caller", "user":"$context.identity.user", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod", "resourcePath":"$context.resourcePath", "status":"$context.status", "protocol":"$context.protocol", "responseLength":"$context.responseLength" }`
	presetXML  = `<request id="$context.requestId"> <extendedRequestId>$context.extendedRequestId</extendedRequestId> <ip>$context.identity.sourceIp</ip> <caller>$context.identity.caller</caller> <user>$context.identity.user</user> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <resourcePath>$context.resourcePath</resourcePath> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>`
	presetCSV  = `$context.identity.sourceIp,$context.identity.caller,$context.identity.user,$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,$context.status,$context.responseLength,$context.requestId,$context.extendedRequestId`
)

// logFields are what every preset shows.
type logFields struct {
	ID, IP, Caller, User, Time, Method, Resource, Protocol string
	Status, Length                                         int
}

var clfLine = regexp.MustCompile(`^(\S+) (\S+) (\S+) \[([^\]]+)\] "(\S+) (\S+) (\S+)" (\d+) (\d+) (\S+) (\S+)$`)

func parseLine(t *testing.T, preset, line string) logFields {
	t.Helper()
	var f logFields
	switch preset {
	case "CLF":
		m := clfLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("CLF line %q does not parse", line)
		}
		f = logFields{IP: m[1], Caller: m[2], User: m[3], Time: m[4], Method: m[5], Resource: m[6], Protocol: m[7], ID: m[10]}
		f.Status, _ = strconv.Atoi(m[8])
		f.Length, _ = strconv.Atoi(m[9])
	case "JSON":
		var j struct {
			RequestID, IP, Caller, User, RequestTime, HTTPMethod, ResourcePath, Status, Protocol, ResponseLength string
		}
		if err := json.Unmarshal([]byte(line), &j); err != nil {
			t.Fatalf("JSON line %q: %v", line, err)
		}
		f = logFields{ID: j.RequestID, IP: j.IP, Caller: j.Caller, User: j.User, Time: j.RequestTime, Method: j.HTTPMethod, Resource: j.ResourcePath, Protocol: j.Protocol}
		f.Status, _ = strconv.Atoi(j.Status)
		f.Length, _ = strconv.Atoi(j.ResponseLength)
	case "XML":
		var x struct {
			ID             string `xml:"id,attr"`
			IP             string `xml:"ip"`
			Caller         string `xml:"caller"`
			User           string `xml:"user"`
			RequestTime    string `xml:"requestTime"`
			HTTPMethod     string `xml:"httpMethod"`
			ResourcePath   string `xml:"resourcePath"`
			Status         int    `xml:"status"`
			Protocol       string `xml:"protocol"`
			ResponseLength int    `xml:"responseLength"`
		}
		if err := xml.Unmarshal([]byte(line), &x); err != nil {
			t.Fatalf("XML line %q: %v", line, err)
		}
		f = logFields{ID: x.ID, IP: x.IP, Caller: x.Caller, User: x.User, Time: x.RequestTime, Method: x.HTTPMethod, Resource: x.ResourcePath, Protocol: x.Protocol, Status: x.Status, Length: x.ResponseLength}
	case "CSV":
		rec, err := csv.NewReader(strings.NewReader(line)).Read()
		if err != nil || len(rec) != 11 {
			t.Fatalf("CSV line %q: %d fields, %v", line, len(rec), err)
		}
		f = logFields{IP: rec[0], Caller: rec[1], User: rec[2], Time: rec[3], Method: rec[4], Resource: rec[5], Protocol: rec[6], ID: rec[9]}
		f.Status, _ = strconv.Atoi(rec[7])
		f.Length, _ = strconv.Atoi(rec[8])
	}
	return f
}

// readLines waits until path holds n lines and returns them.
func readLines(t *testing.T, path string, n int) []string {
	t.Helper()
	var lines []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		lines = lines[:0]
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		f.Close()
		if len(lines) >= n {
			return lines
		}
	}
	t.Fatalf("%s has %d lines after 5 s, want %d: %q", path, len(lines), n, lines)
	return nil
}

// TestAccessLogPresets serves a stage with each of API Gateway's presets, with a log group destination,
// and reads back from DATA_DIR/logs/NAME.log the lines of a proxied request and of an unknown route.
func TestAccessLogPresets(t *testing.T) {
	backend := echoBackend(t)
	for _, kind := range serverKinds {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			s := newServerOf(t, dataplane.Options{Server: kind, DataDir: dir})
			base := serve(t, s)
			for _, p := range []struct{ name, format string }{{"CLF", presetCLF}, {"JSON", presetJSON}, {"XML", presetXML}, {"CSV", presetCSV}} {
				t.Run(p.name, func(t *testing.T) {
					api := newAPI("a" + strings.ToLower(p.name))
					api.method("/pets/{id}", "GET", model.Integration{Type: model.IntegrationHTTPProxy, URI: backend.URL + "/pets/{id}",
						RequestParameters: map[string]string{"integration.request.path.id": "method.request.path.id"}})
					st := model.Stage{RestAPIID: api.snap.RestAPI.ID, StageName: "prod", AccessLogSettings: &model.AccessLogSettings{
						DestinationARN: "arn:aws:logs:us-east-1:123456789012:log-group:/gw/" + p.name, Format: p.format}}
					if err := s.SetStage(st, &api.snap); err != nil {
						t.Fatal(err)
					}
					before := time.Now().UTC().Add(-time.Second)
					ok := do(t, newRequest(t, "GET", base+"/"+api.snap.RestAPI.ID+"/prod/pets/7", nil))
					missing := do(t, newRequest(t, "POST", base+"/"+api.snap.RestAPI.ID+"/prod/nothing", nil))
					if ok.Status != 200 || missing.Status != 403 {
						t.Fatalf("statuses %d, %d; want 200, 403", ok.Status, missing.Status)
					}
					lines := readLines(t, filepath.Join(dir, "logs", "gw", p.name+".log"), 2)
					for i, want := range []logFields{
						{ID: ok.Header.Get("X-Gatewayd-Request-Id"), Method: "GET", Resource: "/pets/{id}", Status: 200, Length: len(ok.Body)},
						{ID: missing.Header.Get("X-Gatewayd-Request-Id"), Method: "POST", Resource: "-", Status: 403, Length: len(missing.Body)},
					} {
						got := parseLine(t, p.name, lines[i])
						want.IP, want.Caller, want.User, want.Protocol = "127.0.0.1", "-", "-", "HTTP/1.1"
						tm, err := time.Parse("02/Jan/2006:15:04:05 -0700", got.Time)
						if err != nil || tm.Before(before) || tm.After(time.Now().Add(time.Second)) || !strings.HasSuffix(got.Time, " +0000") {
							t.Errorf("line %d requestTime = %q (%v), want now in UTC", i, got.Time, err)
						}
						got.Time = ""
						if got != want {
							t.Errorf("line %d = %q\n read %+v\n want %+v", i, lines[i], got, want)
						}
					}
				})
			}
		})
	}
}

// TestAccessLogFailingDestination: a destination that cannot be written (its directory is a file)
// fails no request; the lost lines are counted.
func TestAccessLogFailingDestination(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "logs"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	s := newServerOf(t, dataplane.Options{DataDir: dir, Registerer: reg})
	base := serve(t, s)
	in, r := mock("200", `{"ok":true}`)
	api := newAPI("failing").method("/x", "GET", in, r)
	st := model.Stage{RestAPIID: "failing", StageName: "prod", AccessLogSettings: &model.AccessLogSettings{
		DestinationARN: "arn:aws:logs:us-east-1:123456789012:log-group:g", Format: presetCLF}}
	if err := s.SetStage(st, &api.snap); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if got := do(t, newRequest(t, "GET", base+"/failing/prod/x", nil)); got.Status != 200 {
			t.Fatalf("status %d with a failing access log, want 200", got.Status)
		}
	}
	var lost float64
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && lost < 20; time.Sleep(10 * time.Millisecond) {
		lost = 0
		mfs, _ := reg.Gather()
		for _, mf := range mfs {
			if mf.GetName() == "gatewayd_access_log_dropped_total" {
				for _, m := range mf.GetMetric() {
					lost += m.GetCounter().GetValue()
				}
			}
		}
	}
	if lost != 20 {
		t.Errorf("gatewayd_access_log_dropped_total = %v, want 20", lost)
	}
}

// processCPU is the CPU time the process used so far, in nanoseconds.
func processCPU() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// benchLogServer is benchServer's stage, with (logged) or without an access log: API Gateway's JSON
// preset to a log group file.
func benchLogServer(b *testing.B, logged bool) *dataplane.Server {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, benchBody)
	}))
	b.Cleanup(backend.Close)
	s, err := dataplane.New(dataplane.Options{AccountRateLimit: 1e12, AccountBurstLimit: 1 << 40, DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Shutdown(context.Background()) })
	api := newAPI("api1")
	api.method("/items/{id}", "GET", model.Integration{Type: model.IntegrationHTTPProxy, URI: backend.URL + "/items/{id}"})
	in, resp := mock("200", benchBody)
	api.method("/mock", "GET", in, resp)
	st := model.Stage{RestAPIID: "api1", StageName: "prod"}
	if logged {
		st.AccessLogSettings = &model.AccessLogSettings{DestinationARN: "arn:aws:logs:us-east-1:123456789012:log-group:bench", Format: presetJSON}
	}
	if err := s.SetStage(st, &api.snap); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkAccessLog measures the HTTP_PROXY and MOCK pipelines (as BenchmarkProxyPath and
// BenchmarkMockPath) without and with the stage's JSON access log written to a file, one after the
// other in each round, so that a loaded machine slows both alike. With no backend (mock), the log's
// share of the cost is at its largest.
func BenchmarkAccessLog(b *testing.B) {
	for _, path := range []string{"proxy", "mock"} {
		for _, logged := range []bool{false, true} {
			name := path + "/off"
			if logged {
				name = path + "/on"
			}
			b.Run(name, func(b *testing.B) {
				s := benchLogServer(b, logged)
				target := "/api1/prod/items/42?x=1"
				if path == "mock" {
					target = "/api1/prod/mock"
				}
				req := httptest.NewRequest("GET", target, nil)
				req.Header.Set("User-Agent", "bench")
				req.Header.Set("Accept", "application/json")
				b.ReportAllocs()
				cpu0 := processCPU()
				for b.Loop() {
					w := httptest.NewRecorder()
					s.ServeHTTP(w, req)
					if w.Code != 200 {
						b.Fatalf("status %d: %s", w.Code, w.Body)
					}
				}
				// CPU time of the whole process (the log's writer goroutine and the backend included):
				// what the log costs, much less disturbed than wall time by other loads of the machine.
				b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}
