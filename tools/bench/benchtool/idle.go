package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func newClient() *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
}

// runIdle opens n keep-alive connections, sends one request on each and reads its answer, writes
// "opened failed" to -ready, then holds them idle until signalled or -hold passes.
func runIdle(args []string) error {
	fs := flag.NewFlagSet("idle", flag.ContinueOnError)
	target := fs.String("url", "", "URL to request once per connection (http://127.0.0.1 only)")
	n := fs.Int("n", 10000, "connections")
	ready := fs.String("ready", "", "file written once the connections are open")
	hold := fs.Duration("hold", 2*time.Minute, "longest time to hold them")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := loopbackURL(*target); err != nil {
		return err
	}
	u, _ := url.Parse(*target)
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: gatewayd-bench-idle\r\n\r\n", u.RequestURI(), u.Host)
	var (
		mu     sync.Mutex
		conns  = make([]net.Conn, 0, *n)
		failed atomic.Int64
		first  atomic.Value
		wg     sync.WaitGroup
		next   = make(chan struct{})
	)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				c, err := open(u.Host, req)
				if err != nil {
					failed.Add(1)
					first.CompareAndSwap(nil, err.Error())
					continue
				}
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
		}()
	}
	for range *n {
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
	if f := first.Load(); f != nil {
		fmt.Fprintln(os.Stderr, "first failure:", f)
	}
	if err := os.WriteFile(*ready, fmt.Appendf(nil, "%d %d\n", len(conns), failed.Load()), 0o644); err != nil {
		return err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	select {
	case <-sig:
	case <-time.After(*hold):
	}
	for _, c := range conns {
		c.Close()
	}
	return nil
}

func open(host, req string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", host, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		c.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Close {
		c.Close()
		return nil, fmt.Errorf("status %d, close %v", resp.StatusCode, resp.Close)
	}
	c.SetDeadline(time.Time{})
	return c, nil
}
