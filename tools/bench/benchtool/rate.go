package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// runRate sends GETs at a fixed rate (open loop) and prints "p50 p99 rps errors". Latency is measured
// from each request's scheduled send time, not from when a worker got to it, so a stalled server
// cannot hide its queueing delay (no coordinated omission). wrk cannot hold a rate; wrk2 is not
// packaged here.
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
	if *rps <= 0 {
		return errors.New("-rps must be positive")
	}
	tr := &http.Transport{MaxIdleConns: *conns, MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	interval := time.Duration(float64(time.Second) / *rps)
	n := int(dur.Seconds() * *rps)
	sched := make(chan time.Time, n)
	var (
		mu   sync.Mutex
		lat  = make([]time.Duration, 0, n)
		errs atomic.Int64
		wg   sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(context.Background(), *dur+15*time.Second)
	defer cancel()
	for range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for at := range sched {
				if d := time.Until(at); d > 0 {
					time.Sleep(d)
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, *target, nil)
				resp, err := cl.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode < 200 || resp.StatusCode > 299 {
					errs.Add(1)
				}
				d := time.Since(at)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
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
		return fmt.Errorf("no request succeeded (%d errors)", errs.Load())
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Printf("%.3f %.3f %.0f %d\n", ms(percentile(lat, 50)), ms(percentile(lat, 99)), float64(len(lat))/elapsed.Seconds(), errs.Load())
	return nil
}
