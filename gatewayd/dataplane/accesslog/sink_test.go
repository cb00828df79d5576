package accesslog

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func value(c prometheus.Counter) float64 {
	var m dto.Metric
	c.Write(&m)
	return m.GetCounter().GetValue()
}

func write(sk *Sink, line string) {
	b := Buffer()
	*b = append(*b, line...)
	sk.Write(b)
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestLogGroupFileAndRotation(t *testing.T) {
	dir := t.TempDir()
	reg := prometheus.NewRegistry()
	sinks, err := NewSinks(Options{DataDir: dir, MaxBytes: 200, MaxFiles: 2, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	dest, err := model.ParseAccessLogDestination("arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/prod:*")
	if err != nil {
		t.Fatal(err)
	}
	sk := sinks.Open(dest)
	if again := sinks.Open(dest); again != sk {
		t.Fatal("a second stage naming the same destination got another sink")
	}
	for i := range 30 {
		write(sk, fmt.Sprintf("line %02d %s", i, strings.Repeat("x", 40))) // 49 bytes with the newline
		time.Sleep(time.Millisecond)                                       // several batches
	}
	sinks.Close()
	live := filepath.Join(dir, "logs", "aws", "apigateway", "prod.log")
	var all []string
	for _, p := range []string{live + ".2", live + ".1", live} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("reading %s: %v", p, err)
		}
		if len(b) > 200 {
			t.Errorf("%s has %d bytes, want at most 200 (MaxBytes)", p, len(b))
		}
		all = append(all, strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")...)
	}
	if _, err := os.Stat(live + ".3"); !os.IsNotExist(err) {
		t.Errorf("%s.3 exists (err %v): MaxFiles is 2", live, err)
	}
	// The newest lines are kept, in order, each whole.
	if last := all[len(all)-1]; !strings.HasPrefix(last, "line 29 ") {
		t.Errorf("last line = %q, want line 29", last)
	}
	for i := 1; i < len(all); i++ {
		if all[i] <= all[i-1] || len(all[i]) != 48 {
			t.Errorf("lines out of order or cut: %q then %q", all[i-1], all[i])
		}
	}
	if got := value(sinks.written.WithLabelValues("file:" + live)); got != 30 {
		t.Errorf("gatewayd_access_log_lines_total = %v, want 30", got)
	}
}

// blockingWriter stands for a destination that stopped answering (a full disk on NFS, a stuck pipe).
type blockingWriter struct {
	release chan struct{}
	mu      sync.Mutex
	got     []string
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	<-w.release
	w.mu.Lock()
	defer w.mu.Unlock()
	w.got = append(w.got, string(p))
	return len(p), nil
}

// TestWriteNeverBlocks: with the destination stuck, Write returns at once; lines beyond the buffer are
// dropped and counted, and the rest are written once the destination moves again.
func TestWriteNeverBlocks(t *testing.T) {
	w := &blockingWriter{release: make(chan struct{})}
	sinks, err := NewSinks(Options{Buffer: 8, Stdout: w, Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	sk := sinks.Open(model.AccessLogDestination{Kind: model.AccessLogStdout})
	start := time.Now()
	for i := range 1000 {
		write(sk, fmt.Sprintf("line %d", i))
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("1000 writes to a stuck destination took %v", d)
	}
	dropped := value(sinks.dropped.WithLabelValues("stdout", "buffer_full"))
	// The writer holds one batch (at least one line) and the queue 8: everything else is dropped.
	if dropped > 1000-8 || dropped < 900 {
		t.Errorf("dropped = %v, want about 1000 - 8 - the batch in the writer", dropped)
	}
	close(w.release)
	sinks.Close()
	w.mu.Lock()
	n := strings.Count(strings.Join(w.got, ""), "\n")
	w.mu.Unlock()
	if float64(n)+dropped != 1000 {
		t.Errorf("written %d + dropped %v != 1000", n, dropped)
	}
}

// TestFailingDestination: a destination that cannot be opened loses its lines, counted as write
// errors, without a request noticing; once it can be opened it is written again.
func TestFailingDestination(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "logs")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil { // a file where the logs directory should be
		t.Fatal(err)
	}
	sinks, err := NewSinks(Options{DataDir: dir, Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	dest, _ := model.ParseAccessLogDestination("arn:aws:logs:us-east-1:123456789012:log-group:g")
	sk := sinks.Open(dest)
	write(sk, "lost")
	failed := sinks.dropped.WithLabelValues(sk.Name(), "write_error")
	waitFor(t, "the write error to be counted", func() bool { return value(failed) >= 1 })

	os.Remove(blocker)
	time.Sleep(1100 * time.Millisecond) // reopened at most once a second
	write(sk, "kept")
	sinks.Close()
	b, err := os.ReadFile(filepath.Join(dir, "logs", "g.log"))
	if err != nil || string(b) != "kept\n" {
		t.Fatalf("g.log = %q, %v; want the line written after the destination recovered", b, err)
	}
}

func TestSyslogUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	sinks, _ := NewSinks(Options{Registerer: prometheus.NewRegistry()})
	dest, err := model.ParseAccessLogDestination("syslog://" + pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	sk := sinks.Open(dest)
	write(sk, "req-1 200")
	write(sk, "req-2 404")
	var got []string
	pc.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2048)
	for len(got) < 2 {
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatalf("reading syslog messages (got %q): %v", got, err)
		}
		got = append(got, string(buf[:n]))
	}
	sinks.Close()
	// RFC 3164 as log/syslog writes it: <134> is local0.info.
	for i, want := range []string{"req-1 200", "req-2 404"} {
		if !strings.HasPrefix(got[i], "<134>") || !strings.Contains(got[i], "gatewayd") || !strings.HasSuffix(strings.TrimSuffix(got[i], "\n"), want) {
			t.Errorf("message %d = %q, want local0.info from gatewayd ending %q", i, got[i], want)
		}
	}
}

func TestParseDestination(t *testing.T) {
	for _, tc := range []struct {
		arn  string
		want model.AccessLogDestination
		err  string
	}{
		{arn: "arn:aws:logs:eu-west-1:123456789012:log-group:my-api", want: model.AccessLogDestination{Kind: "file", Path: "logs/my-api.log"}},
		{arn: "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/x:*", want: model.AccessLogDestination{Kind: "file", Path: "logs/aws/x.log"}},
		{arn: "file:///var/log/gw.log", want: model.AccessLogDestination{Kind: "file", Path: "/var/log/gw.log"}},
		{arn: "stdout", want: model.AccessLogDestination{Kind: "stdout"}},
		{arn: "syslog", want: model.AccessLogDestination{Kind: "syslog"}},
		{arn: "syslog://127.0.0.1:514", want: model.AccessLogDestination{Kind: "syslog", Addr: "127.0.0.1:514"}},
		{arn: "arn:aws:logs:eu-west-1:123456789012:log-group:a/../../etc", err: `".." segments`},
		{arn: "arn:aws:logs:eu-west-1:123456789012:log-group:a b", err: "log group name must be"},
		{arn: "arn:aws:firehose:us-east-1:123456789012:deliverystream/amazon-apigateway-x", err: "Kinesis Data Firehose"},
		{arn: "file://relative.log", err: "absolute"},
		{arn: "file:///var/log/../etc/x", err: "clean"},
		{arn: "syslog://nohost", err: "syslog://HOST:PORT"},
		{arn: "", err: "is required"},
		{arn: "s3://bucket", err: "must be a log group ARN"},
	} {
		got, err := model.ParseAccessLogDestination(tc.arn)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), "access_log_settings.destination_arn: ") {
				t.Errorf("ParseAccessLogDestination(%q) = %v, want an error naming the field and containing %q", tc.arn, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseAccessLogDestination(%q) = %+v, %v; want %+v", tc.arn, got, err, tc.want)
		}
	}
}
