// Command benchtool holds the Go parts of `make bench` and `make bench-smoke` (tools/bench/bench.sh):
// the backend, the setup of the benchmark APIs through gatewayd/client, a load generator (wrk when it
// is installed, a Go loop otherwise), idle connections, the Terraform configuration generator, the
// control-plane measurements and the results table. Everything it talks to is on 127.0.0.1.
package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"time"
)

var commands = map[string]func(args []string) error{
	"backend":     runBackend,
	"setup":       runSetup,
	"load":        runLoad,
	"rate":        runRate,
	"refproxy":    runRefProxy,
	"idle":        runIdle,
	"check":       runCheck,
	"tfgen":       runTFGen,
	"stageupdate": runStageUpdate,
	"adminwrite":  runAdminWrite,
	"adminscale":  runAdminScale,
	"table":       runTable,
	"deleteapi":   runDeleteAPI,
	"freeports":   runFreePorts,
	"counts":      runCounts,
	"selfsigned":  runSelfSigned,
}

func main() {
	if len(os.Args) < 2 || commands[os.Args[1]] == nil {
		names := make([]string, 0, len(commands))
		for n := range commands {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(os.Stderr, "usage: benchtool COMMAND [flags]; commands: %v\n", names)
		os.Exit(2)
	}
	if err := commands[os.Args[1]](os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "benchtool %s: %v\n", os.Args[1], err)
		if errors.Is(err, errNotSupported) {
			os.Exit(3)
		}
		os.Exit(1)
	}
}

// runFreePorts prints N ports free on 127.0.0.1 now, one per line: the servers of a run take them, so
// that two runs on one machine (or a port left busy) never talk to each other's servers.
func runFreePorts(args []string) error {
	n := 1
	if len(args) > 0 {
		if _, err := fmt.Sscan(args[0], &n); err != nil || n < 1 {
			return fmt.Errorf("usage: benchtool freeports N")
		}
	}
	lns := make([]net.Listener, 0, n)
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		lns = append(lns, ln)
		fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	}
	return nil
}

// percentile returns the p-th percentile (0..100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p / 100)
	return sorted[i]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
