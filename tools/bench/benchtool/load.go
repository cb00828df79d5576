package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// result is one load run: requests per second, median and 99th percentile latency in ms, and
// errors (non-2xx answers plus socket errors).
type result struct {
	RPS      float64
	P50, P99 float64
	Errors   int64
	Requests int64
}

// loopbackURL refuses anything but http://127.0.0.1.
func loopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() != "127.0.0.1" {
		return fmt.Errorf("%q is not an http(s)://127.0.0.1 URL; the benchmark only sends traffic to loopback", raw)
	}
	return nil
}

// runLoad warms up, then measures one URL with wrk (when -wrk names it) or a Go loop, and prints
// "rps p50 p99 errors requests" on one line.
func runLoad(args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	target := fs.String("url", "", "URL to load (http://127.0.0.1 only)")
	wrk := fs.String("wrk", "", "path of wrk; empty runs the Go load loop")
	threads := fs.Int("t", 2, "wrk threads")
	conns := fs.Int("c", 64, "connections")
	dur := fs.Duration("d", 8*time.Second, "measured duration")
	warm := fs.Duration("warmup", 2*time.Second, "warm-up duration (0 for none)")
	var header headerList
	fs.Var(&header, "H", `a request header, "Name: value"; repeat for more`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := loopbackURL(*target); err != nil {
		return err
	}
	run := func(d time.Duration) (result, error) {
		if *wrk != "" {
			return runWrk(*wrk, *target, header, *threads, *conns, d)
		}
		return goLoad(*target, header, *conns, d)
	}
	if *warm > 0 {
		if _, err := run(*warm); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	r, err := run(*dur)
	if err != nil {
		return err
	}
	fmt.Printf("%.0f %.3f %.3f %d %d\n", r.RPS, r.P50, r.P99, r.Errors, r.Requests)
	return nil
}

func wrkSeconds(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s < 1 {
		s = 1
	}
	return strconv.Itoa(s) + "s"
}

var (
	reRPS      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reReqs     = regexp.MustCompile(`(\d+) requests in`)
	rePct      = regexp.MustCompile(`^\s*(50|99)(?:\.000)?%\s+([0-9.]+)(us|ms|s|m)\s*$`)
	reNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
	reSockErrs = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// headerList is a repeatable -H flag.
type headerList []string

func (h *headerList) String() string { return strings.Join(*h, ", ") }

func (h *headerList) Set(v string) error {
	if _, _, ok := strings.Cut(v, ":"); !ok {
		return fmt.Errorf("header %q is not Name: value", v)
	}
	*h = append(*h, v)
	return nil
}

func runWrk(wrk, target string, headers []string, threads, conns int, d time.Duration) (result, error) {
	args := []string{"--latency", "-t" + strconv.Itoa(threads), "-c" + strconv.Itoa(conns), "-d" + wrkSeconds(d)}
	for _, h := range headers {
		args = append(args, "-H", h)
	}
	cmd := exec.Command(wrk, append(args, target)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %v: %s", err, out)
	}
	return parseWrk(out)
}

func parseWrk(out []byte) (result, error) {
	var r result
	m := reRPS.FindSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no Requests/sec in wrk output: %s", out)
	}
	r.RPS, _ = strconv.ParseFloat(string(m[1]), 64)
	if m := reReqs.FindSubmatch(out); m != nil {
		r.Requests, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := rePct.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		v, _ := strconv.ParseFloat(m[2], 64)
		switch m[3] {
		case "us":
			v /= 1000
		case "s":
			v *= 1000
		case "m":
			v *= 60000
		}
		if m[1] == "50" {
			r.P50 = v
		} else {
			r.P99 = v
		}
	}
	if m := reNon2xx.FindSubmatch(out); m != nil {
		n, _ := strconv.ParseInt(string(m[1]), 10, 64)
		r.Errors += n
	}
	if m := reSockErrs.FindSubmatch(out); m != nil {
		for _, s := range m[1:] {
			n, _ := strconv.ParseInt(string(s), 10, 64)
			r.Errors += n
		}
	}
	return r, nil
}

// goLoad is the load loop used where wrk is not installed: conns goroutines, keep-alive, for d.
func goLoad(target string, headers []string, conns int, d time.Duration) (result, error) {
	hdr := http.Header{}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		hdr.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	// The https rows' servers present a self-signed certificate (selfsigned): wrk does not verify
	// either. HTTP/2 is off, as wrk speaks HTTP/1.1.
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
		DisableCompression: true, TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
		TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var (
		mu     sync.Mutex
		lat    []time.Duration
		errs   int64
		wg     sync.WaitGroup
		firstE error
	)
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			var bad int64
			var e error
			for ctx.Err() == nil {
				t := time.Now()
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
				for k, vv := range hdr {
					req.Header[k] = vv
				}
				resp, err := cl.Do(req)
				if err != nil {
					if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
						break
					}
					bad++
					e = err
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode < 200 || resp.StatusCode > 299 {
					bad++
					e = fmt.Errorf("status %d", resp.StatusCode)
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += bad
			if firstE == nil {
				firstE = e
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	el := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r := result{RPS: float64(len(lat)) / el.Seconds(), P50: ms(percentile(lat, 50)), P99: ms(percentile(lat, 99)),
		Errors: errs, Requests: int64(len(lat))}
	if len(lat) == 0 {
		return r, fmt.Errorf("no request succeeded: %v", firstE)
	}
	return r, nil
}

// runCheck sends one GET and fails unless the status is -status (and the body contains -contains).
func runCheck(args []string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	target := fs.String("url", "", "URL (http://127.0.0.1 only)")
	status := fs.Int("status", 200, "expected status")
	contains := fs.String("contains", "", "expected substring of the body")
	wait := fs.Duration("wait", 0, "keep trying this long")
	var header headerList
	fs.Var(&header, "H", `a request header, "Name: value"; repeat for more`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := loopbackURL(*target); err != nil {
		return err
	}
	var pairs []string
	for _, h := range header {
		name, value, _ := strings.Cut(h, ":")
		pairs = append(pairs, strings.TrimSpace(name), strings.TrimSpace(value))
	}
	return waitFor(*target, *status, *contains, *wait, pairs...)
}

func waitFor(target string, status int, contains string, wait time.Duration, header ...string) error {
	deadline := time.Now().Add(wait)
	cl := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	for {
		got, err := get(cl, target, header...)
		if err == nil && got.status == status && strings.Contains(got.body, contains) {
			return nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("GET %s: %w", target, err)
			}
			return fmt.Errorf("GET %s: status %d body %.200q, want %d containing %q", target, got.status, got.body, status, contains)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type answer struct {
	status int
	body   string
}

// get sends a GET with optional headers, as name and value pairs.
func get(cl *http.Client, target string, header ...string) (answer, error) {
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		return answer{}, err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := cl.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return answer{resp.StatusCode, string(b)}, err
}
