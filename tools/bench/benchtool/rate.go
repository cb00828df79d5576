package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// runRate sends GETs at a fixed rate (open loop) and prints "p50 p99 rps errors send_p50 send_p99".
// Latency is measured from each request's scheduled send time, not from when a worker got to it, so a
// stalled server cannot hide its queueing delay (no coordinated omission). wrk cannot hold a rate;
// wrk2 is not packaged here. send_p50 and send_p99 are measured from the actual send instead: the gap
// between the two is the generator's own lateness (its timers and its share of the CPU).
//
// The requests go out on raw keep-alive connections (rawClient), not through net/http's client: at
// half of gatewayd's saturation rate net/http's client cost so much CPU that it, gatewayd and the
// backend together saturated the machine's 2 cores, and the row measured the generator's queue.
func runRate(args []string) error {
	fs := flag.NewFlagSet("rate", flag.ContinueOnError)
	target := fs.String("url", "", "URL to load (http://127.0.0.1 only)")
	rps := fs.Float64("rps", 1000, "requests per second")
	dur := fs.Duration("d", 5*time.Second, "measured duration")
	conns := fs.Int("c", 64, "connections (concurrent requests at most)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := loopbackURL(*target); err != nil {
		return err
	}
	u, err := url.Parse(*target)
	if err != nil {
		return err
	}
	if u.Scheme != "http" {
		return fmt.Errorf("rate: %q: only plain http is supported", *target)
	}
	if *rps <= 0 {
		return errors.New("-rps must be positive")
	}
	req := []byte("GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUser-Agent: benchtool-rate\r\n\r\n")

	interval := time.Duration(float64(time.Second) / *rps)
	n := int(dur.Seconds() * *rps)
	sched := make(chan time.Time, n)
	var (
		mu      sync.Mutex
		lat     = make([]time.Duration, 0, n)
		sent    = make([]time.Duration, 0, n)
		errs    atomic.Int64
		lastErr atomic.Value
		wg      sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(context.Background(), *dur+15*time.Second)
	defer cancel()
	for range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &rawClient{addr: u.Host, req: req}
			defer c.close()
			mine := make([]time.Duration, 0, n / *conns + 16)
			mineSent := make([]time.Duration, 0, n / *conns + 16)
			for at := range sched {
				if ctx.Err() != nil {
					errs.Add(1)
					continue
				}
				if d := time.Until(at); d > 0 {
					time.Sleep(d)
				}
				start := time.Now()
				status, err := c.do(ctx)
				if err == nil && (status < 200 || status > 299) {
					err = fmt.Errorf("status %d", status)
				}
				if err != nil {
					errs.Add(1)
					lastErr.Store(err)
					continue
				}
				end := time.Now()
				mine = append(mine, end.Sub(at))
				mineSent = append(mineSent, end.Sub(start))
			}
			mu.Lock()
			lat = append(lat, mine...)
			sent = append(sent, mineSent...)
			mu.Unlock()
		}()
	}
	start := time.Now().Add(50 * time.Millisecond)
	for i := range n {
		sched <- start.Add(time.Duration(i) * interval)
	}
	close(sched)
	wg.Wait()
	elapsed := time.Since(start)
	if len(lat) == 0 {
		return fmt.Errorf("no request succeeded (%d errors, last: %v)", errs.Load(), lastErr.Load())
	}
	slices.Sort(lat)
	slices.Sort(sent)
	fmt.Printf("%.3f %.3f %.0f %d %.3f %.3f\n", ms(percentile(lat, 50)), ms(percentile(lat, 99)), float64(len(lat))/elapsed.Seconds(), errs.Load(),
		ms(percentile(sent, 50)), ms(percentile(sent, 99)))
	return nil
}

// rawClient is one keep-alive HTTP/1.1 connection that sends the same GET and reads answers framed by
// Content-Length: the Go counterpart of wrk's loop, a write and a read per request.
type rawClient struct {
	addr string
	req  []byte
	conn net.Conn
	br   *bufio.Reader
}

func (c *rawClient) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// do sends the request and reads the answer, and returns its status. A failed connection is closed;
// the next call dials again.
func (c *rawClient) do(ctx context.Context) (int, error) {
	if c.conn == nil {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", c.addr)
		if err != nil {
			return 0, err
		}
		c.conn = conn
		if c.br == nil {
			c.br = bufio.NewReaderSize(conn, 16<<10)
		} else {
			c.br.Reset(conn)
		}
	}
	if deadline, ok := ctx.Deadline(); ok {
		c.conn.SetDeadline(deadline)
	}
	if _, err := c.conn.Write(c.req); err != nil {
		c.close()
		return 0, err
	}
	status, keep, err := readAnswer(c.br)
	if err != nil || !keep {
		c.close()
	}
	return status, err
}

// readAnswer reads one HTTP/1.1 answer and discards its body. It needs a Content-Length: the backend
// and gatewayd send one for these fixed answers.
func readAnswer(br *bufio.Reader) (status int, keep bool, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, false, fmt.Errorf("read status line: %w", err)
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, fmt.Errorf("bad status line %q", line)
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, false, fmt.Errorf("bad status line %q", line)
	}
	length, keep := -1, true
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return 0, false, fmt.Errorf("read header: %w", err)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, false, fmt.Errorf("bad header line %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return 0, false, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return 0, false, fmt.Errorf("transfer-encoding %q is not supported: the rate test needs a Content-Length", value)
		case bytes.EqualFold(name, []byte("Connection")):
			keep = !bytes.EqualFold(value, []byte("close"))
		}
	}
	if length < 0 {
		return 0, false, errors.New("answer without Content-Length")
	}
	if _, err := br.Discard(length); err != nil {
		return 0, false, fmt.Errorf("read body: %w", err)
	}
	return status, keep, nil
}
