package accesslog

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/telemetry"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Options configure the sinks of a data plane. Zero values take the defaults documented on each field.
type Options struct {
	// DataDir is where log group destinations are written (DataDir/logs/NAME.log). Default ".".
	DataDir string
	// MaxBytes rotates a file once it would grow past this size. Default 100 MiB.
	MaxBytes int64
	// MaxFiles is how many rotated files (NAME.log.1 ... NAME.log.N) are kept besides the live one.
	// Default 5.
	MaxFiles int
	// Buffer is how many lines each destination holds for its writer; a line that finds it full is
	// dropped and counted. Default 16384.
	Buffer int
	// Logger receives the sinks' own problems (rate-limited). Nil discards them.
	Logger *slog.Logger
	// Registerer receives the sinks' metrics. Nil leaves them unregistered.
	Registerer prometheus.Registerer
	// Stdout is where the stdout destination writes. Default os.Stdout.
	Stdout io.Writer
	// FlushInterval is the pause between two writes of a destination: lines reach it at most this
	// late (plus the write), and a busy one gets one write per interval. Default 50ms.
	FlushInterval time.Duration
}

// Sinks opens one Sink per destination and shares it between the stages that name it.
type Sinks struct {
	opts    Options
	written *prometheus.CounterVec
	dropped *prometheus.CounterVec

	mu    sync.Mutex
	sinks map[string]*Sink
}

// NewSinks returns an empty set of sinks.
func NewSinks(opts Options) (*Sinks, error) {
	if opts.DataDir == "" {
		opts.DataDir = "."
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 100 << 20
	}
	if opts.MaxFiles <= 0 {
		opts.MaxFiles = 5
	}
	if opts.Buffer <= 0 {
		opts.Buffer = 16384
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = 50 * time.Millisecond
	}
	s := &Sinks{
		opts: opts,
		written: prometheus.NewCounterVec(telemetry.CounterOpts("gatewayd_access_log_lines_total"),
			telemetry.Def("gatewayd_access_log_lines_total").Labels),
		dropped: prometheus.NewCounterVec(telemetry.CounterOpts("gatewayd_access_log_dropped_total"),
			telemetry.Def("gatewayd_access_log_dropped_total").Labels),
		sinks: map[string]*Sink{},
	}
	if opts.Registerer != nil {
		for _, c := range []prometheus.Collector{s.written, s.dropped} {
			if err := opts.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("registering access log metrics: %w", err)
			}
		}
	}
	return s, nil
}

// Open returns the sink of dest, starting it when no stage uses it yet.
func (s *Sinks) Open(dest model.AccessLogDestination) *Sink {
	if dest.Kind == model.AccessLogFile && !filepath.IsAbs(dest.Path) {
		dest.Path = filepath.Join(s.opts.DataDir, filepath.FromSlash(dest.Path))
	}
	key := dest.String()
	s.mu.Lock()
	defer s.mu.Unlock()
	if sk := s.sinks[key]; sk != nil {
		return sk
	}
	sk := &Sink{
		dest:     dest,
		name:     key,
		ch:       make(chan *[]byte, s.opts.Buffer),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		written:  s.written.WithLabelValues(key),
		full:     s.dropped.WithLabelValues(key, "buffer_full"),
		failed:   s.dropped.WithLabelValues(key, "write_error"),
		log:      s.opts.Logger,
		dropLog:  rate.Sometimes{Interval: 10 * time.Second},
		errLog:   rate.Sometimes{Interval: 10 * time.Second},
		maxBytes: s.opts.MaxBytes,
		maxFiles: s.opts.MaxFiles,
		stdout:   s.opts.Stdout,
		interval: s.opts.FlushInterval,
		opened:   time.Now(),
	}
	s.sinks[key] = sk
	go sk.run()
	return sk
}

// Retain closes the sinks that are not in use, after grace (so that requests still finishing on a
// replaced stage keep their lines). Sinks opened less than grace ago are kept: their stage may be
// compiled but not published yet.
func (s *Sinks) Retain(inUse map[*Sink]bool, grace time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, sk := range s.sinks {
		if !inUse[sk] && time.Since(sk.opened) >= grace {
			delete(s.sinks, k)
			time.AfterFunc(grace, sk.close)
		}
	}
}

// Close stops every sink after writing what they hold.
func (s *Sinks) Close() {
	s.mu.Lock()
	all := s.sinks
	s.sinks = map[string]*Sink{}
	s.mu.Unlock()
	for _, sk := range all {
		sk.close()
	}
}

// Sink writes the lines of one destination from its own goroutine.
type Sink struct {
	dest model.AccessLogDestination
	name string
	ch   chan *[]byte
	stop chan struct{}
	done chan struct{}
	once sync.Once
	// opened is when the first stage asked for it.
	opened time.Time

	written, full, failed prometheus.Counter
	log                   *slog.Logger
	dropLog, errLog       rate.Sometimes

	// Owned by the writer goroutine.
	maxBytes int64
	maxFiles int
	stdout   io.Writer
	interval time.Duration
	out      lineWriter
	retryAt  time.Time
}

// lineWriter is a destination: Write gets whole lines.
type lineWriter interface {
	io.Writer
	Close() error
}

var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// Buffer returns an empty line buffer; give it to Write, which owns it from then on.
func Buffer() *[]byte {
	b := buffers.Get().(*[]byte)
	*b = (*b)[:0]
	return b
}

// Write queues one line (without its line break) and never blocks: when the queue is full the line is
// dropped, counted, and the drop logged at most every 10 s.
func (sk *Sink) Write(line *[]byte) {
	select {
	case sk.ch <- line:
	default:
		buffers.Put(line)
		sk.full.Inc()
		sk.dropLog.Do(func() {
			sk.log.Warn("access log lines dropped: the writer cannot keep up (gatewayd_access_log_dropped_total counts them)", "destination", sk.name)
		})
	}
}

// Name names the destination, as the metrics label it.
func (sk *Sink) Name() string { return sk.name }

func (sk *Sink) close() {
	sk.once.Do(func() { close(sk.stop) })
	<-sk.done
}

// run writes batches: whatever is queued goes through one buffered writer, flushed when the queue is
// empty, then waits interval, so a busy destination gets at most a few large writes a second while an
// idle one costs nothing.
func (sk *Sink) run() {
	defer close(sk.done)
	bw := bufio.NewWriterSize(nil, 64<<10)
	pending := 0 // lines in bw
	flush := func() {
		if pending == 0 {
			return
		}
		err := bw.Flush()
		if err != nil {
			sk.fail(err, pending)
			bw.Reset(nil)
		} else {
			sk.written.Add(float64(pending))
		}
		pending = 0
	}
	write := func(line *[]byte) {
		defer buffers.Put(line)
		if sk.out == nil {
			if !sk.open() {
				sk.failed.Inc()
				return
			}
			bw.Reset(sk.out)
		}
		if rw, ok := sk.out.(*rotating); ok && rw.needsRotation(int64(bw.Buffered()), int64(len(*line)+1)) {
			flush()
			if err := rw.rotate(); err != nil {
				sk.fail(err, 0)
			}
			if sk.out == nil {
				sk.failed.Inc()
				return
			}
			bw.Reset(sk.out)
		}
		bw.Write(*line)
		bw.WriteByte('\n')
		pending++
		if _, ok := sk.out.(*syslogWriter); ok {
			flush() // one message per line
		}
	}
	drain := func() {
		for {
			select {
			case line := <-sk.ch:
				write(line)
			default:
				return
			}
		}
	}
	pause := time.NewTimer(0)
	<-pause.C
	for {
		select {
		case line := <-sk.ch:
			write(line)
			drain()
			flush()
			// Let lines gather before the next write: under load one write (and one wake-up of this
			// goroutine) serves many requests, and a request's send never has a receiver to wake.
			pause.Reset(sk.interval)
			select {
			case <-pause.C:
			case <-sk.stop:
			}
		case <-sk.stop:
			for more := true; more; {
				select {
				case line := <-sk.ch:
					write(line)
				default:
					more = false
				}
			}
			flush()
			if sk.out != nil {
				sk.out.Close()
			}
			return
		}
	}
}

// open opens the destination, at most once a second after a failure.
func (sk *Sink) open() bool {
	if time.Now().Before(sk.retryAt) {
		return false
	}
	var err error
	switch sk.dest.Kind {
	case model.AccessLogStdout:
		sk.out = nopCloser{sk.stdout}
	case model.AccessLogSyslog:
		sk.out, err = dialSyslog(sk.dest.Addr)
	default:
		sk.out, err = openRotating(sk.dest.Path, sk.maxBytes, sk.maxFiles)
	}
	if err != nil {
		sk.out = nil
		sk.fail(err, 0)
		return false
	}
	return true
}

// fail records a failed write of lines (or a failed open): the destination is reopened on the next
// line, at most once a second.
func (sk *Sink) fail(err error, lines int) {
	sk.failed.Add(float64(lines))
	sk.errLog.Do(func() {
		sk.log.Error("access log destination failing; lines are dropped and counted in gatewayd_access_log_dropped_total", "destination", sk.name, "err", err)
	})
	if sk.out != nil {
		sk.out.Close()
		sk.out = nil
	}
	sk.retryAt = time.Now().Add(time.Second)
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// rotating is a file that is rotated by size: NAME.log becomes NAME.log.1, .1 becomes .2, and so on;
// the oldest beyond maxFiles is removed.
type rotating struct {
	path     string
	f        *os.File
	size     int64
	maxBytes int64
	maxFiles int
}

func openRotating(path string, maxBytes int64, maxFiles int) (*rotating, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("creating access log directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("opening access log: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("opening access log: %w", err)
	}
	return &rotating{path: path, f: f, size: st.Size(), maxBytes: maxBytes, maxFiles: maxFiles}, nil
}

func (r *rotating) Write(p []byte) (int, error) {
	n, err := r.f.Write(p)
	r.size += int64(n)
	return n, err
}

func (r *rotating) Close() error { return r.f.Close() }

// needsRotation reports whether a line of next bytes, after buffered ones, would take a file that
// holds anything past maxBytes.
func (r *rotating) needsRotation(buffered, next int64) bool {
	n := r.size + buffered
	return n > 0 && n+next > r.maxBytes
}

func (r *rotating) rotate() error {
	if err := r.f.Close(); err != nil {
		return err
	}
	os.Remove(fmt.Sprintf("%s.%d", r.path, r.maxFiles))
	for i := r.maxFiles - 1; i >= 1; i-- {
		os.Rename(fmt.Sprintf("%s.%d", r.path, i), fmt.Sprintf("%s.%d", r.path, i+1))
	}
	if err := os.Rename(r.path, r.path+".1"); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("rotating access log: %w", err)
	}
	f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("rotating access log: %w", err)
	}
	r.f, r.size = f, 0
	return nil
}
