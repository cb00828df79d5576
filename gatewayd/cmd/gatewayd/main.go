// Command gatewayd is a self-hosted API gateway managed through its admin API (and so with Terraform).
//
//	gatewayd serve [flags]   run the admin API and the data plane
//	gatewayd version         print the version
//
// Every flag of serve can also be set with an environment variable: --data-dir is GATEWAYD_DATA_DIR,
// and so on. A flag given on the command line wins over the environment.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/daemon"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gatewayd:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: gatewayd serve [flags] | gatewayd version")
	}
	switch args[0] {
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "gatewayd", version)
		return nil
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	}
	return fmt.Errorf("unknown command %q; usage: gatewayd serve [flags] | gatewayd version", args[0])
}

// envFlag registers a string flag whose default comes from GATEWAYD_<NAME>.
func envFlag(fs *flag.FlagSet, name, def, usage string) *string {
	env := "GATEWAYD_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
	if v, ok := os.LookupEnv(env); ok {
		def = v
	}
	return fs.String(name, def, usage+" (env "+env+")")
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gatewayd serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := envFlag(fs, "data-dir", "./gatewayd-data", "directory of the embedded database and generated token")
	adminAddr := envFlag(fs, "admin-addr", "127.0.0.1:9080", "admin API listen address")
	listen := envFlag(fs, "listen", "127.0.0.1:8080", "data plane listen address")
	token := envFlag(fs, "admin-token", "", "admin API bearer token; generated into the data dir when empty")
	publicURL := envFlag(fs, "public-url", "", "base URL of stages' invoke_url when gatewayd sits behind something else; default http://<listen>")
	logLevel := envFlag(fs, "log-level", "info", "log level: debug, info, warn or error")
	accountRate := envFlag(fs, "account-rate-limit", "10000", "account-level throttle: requests per second across all stages")
	accountBurst := envFlag(fs, "account-burst-limit", "5000", "account-level throttle: burst (token bucket size)")
	server := envFlag(fs, "server", "fasthttp", "data plane HTTP server: fasthttp or net/http")
	cacheMax := envFlag(fs, "cache-max-bytes", "268435456", "cap on each stage's response cache in bytes, whatever its cache_cluster_size")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	rate, err := strconv.ParseFloat(*accountRate, 64)
	if err != nil || rate < 0 {
		return fmt.Errorf("--account-rate-limit must be a number of requests per second, got %q", *accountRate)
	}
	burst, err := strconv.Atoi(*accountBurst)
	if err != nil || burst < 0 {
		return fmt.Errorf("--account-burst-limit must be a whole number, got %q", *accountBurst)
	}
	cacheMaxBytes, err := strconv.ParseInt(*cacheMax, 10, 64)
	if err != nil || cacheMaxBytes <= 0 {
		return fmt.Errorf("--cache-max-bytes must be a positive number of bytes, got %q", *cacheMax)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))

	d, err := daemon.Start(ctx, daemon.Config{DataDir: *dataDir, AdminAddr: *adminAddr, Listen: *listen,
		AdminToken: *token, PublicURL: *publicURL, AccountRateLimit: rate, AccountBurstLimit: burst,
		CacheMaxBytes: cacheMaxBytes, Server: *server, Logger: log})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "gatewayd %s\n  admin API:  %s\n  data plane: %s\n", version, d.AdminURL, d.DataURL)
	if d.TokenPath != "" {
		fmt.Fprintf(stdout, "  admin token: in %s\n", d.TokenPath)
	}
	select {
	case <-ctx.Done():
	case err := <-d.Err():
		log.Error("listener stopped", "err", err)
	}
	fmt.Fprintln(stdout, "gatewayd: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return d.Shutdown(sctx)
}
