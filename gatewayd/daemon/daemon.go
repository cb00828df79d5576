// Package daemon wires gatewayd together: the store, the control plane, the admin API and the data
// plane, each on its own listener. cmd/gatewayd runs it; tests start it in-process on free ports.
package daemon

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/admin"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/console"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/awsapi"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/sqlite"
)

// Config is what `gatewayd serve` takes from flags and the environment.
type Config struct {
	// DataDir holds the SQLite database and the generated admin token.
	DataDir string
	// AdminAddr is the admin API's listen address.
	AdminAddr string
	// Listen is the data plane's listen address.
	Listen string
	// AdminToken is the admin API's bearer token; when empty, one is read from (or generated into)
	// DataDir/admin-token.
	AdminToken string
	// PublicURL is the base of stages' invoke_url; default http://<Listen>.
	PublicURL string
	// AccountRateLimit and AccountBurstLimit are the account-level token bucket every request passes
	// last; zero takes API Gateway's defaults (10,000 rps, burst 5,000).
	AccountRateLimit  float64
	AccountBurstLimit int
	// CacheMaxBytes caps each stage's response cache whatever its cache_cluster_size; zero takes the
	// data plane's default (256 MiB).
	CacheMaxBytes int64
	// Server is the data plane's client-facing HTTP server, dataplane.ServerFastHTTP or
	// dataplane.ServerNetHTTP; empty takes the data plane's default (fasthttp).
	Server string
	// Region is the region of the ARNs gatewayd builds and of the SigV4 signatures it accepts; empty
	// takes us-east-1.
	Region string
	// AWSEndpointURL, when set, is the endpoint of every AWS service that integrations with ARN URIs
	// call (a local emulator); AWSEndpointURLs set single services' by ARN service name (lambda,
	// dynamodb, states, sqs, sns, sts). Unset, AWS_ENDPOINT_URL[_SERVICE] or AWS's own endpoints.
	AWSEndpointURL  string
	AWSEndpointURLs map[string]string
	// AccessLogMaxBytes and AccessLogMaxFiles rotate stages' access and execution log files; zero takes
	// the data plane's defaults (100 MiB, 5 files kept).
	AccessLogMaxBytes int64
	AccessLogMaxFiles int
	Logger            *slog.Logger
}

// SecretKeyFile is the name, inside the data directory, of the key that encrypts IAM access keys'
// secrets at rest (32 random bytes, generated at first start, mode 0600).
const SecretKeyFile = "secret-key"

// TokenFile is the name of the generated token's file inside the data directory.
const TokenFile = "admin-token"

// Daemon is a running gatewayd.
type Daemon struct {
	// AdminURL and DataURL are the listeners' base URLs.
	AdminURL, DataURL string
	// Token is the admin token in force; TokenPath is where it was read or generated, if anywhere.
	Token, TokenPath string
	// console is the web console on the admin listener; Shutdown stops its sampler.
	console *console.Console

	log      *slog.Logger
	store    *sqlite.Store
	dp       *dataplane.Server
	servers  []*http.Server
	wg       sync.WaitGroup
	serveErr chan error
}

// Start opens the store, binds both listeners and serves in the background until Shutdown.
func Start(ctx context.Context, cfg Config) (*Daemon, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	awsClient, err := awsapi.New(awsapi.Options{Region: cfg.Region, EndpointURL: cfg.AWSEndpointURL, EndpointURLs: cfg.AWSEndpointURLs})
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data dir %s: %w", cfg.DataDir, err)
	}
	d := &Daemon{log: cfg.Logger, serveErr: make(chan error, 2)}
	if d.Token, d.TokenPath, err = adminToken(cfg); err != nil {
		return nil, err
	}
	secretKey, err := secretKey(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if d.store, err = sqlite.Open(ctx, filepath.Join(cfg.DataDir, "gatewayd.db")); err != nil {
		return nil, fmt.Errorf("opening store: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			d.close()
		}
	}()

	dataLn, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listening for the data plane on %s: %w", cfg.Listen, err)
	}
	d.DataURL = "http://" + dataLn.Addr().String()
	adminLn, err := net.Listen("tcp", cfg.AdminAddr)
	if err != nil {
		dataLn.Close()
		return nil, fmt.Errorf("listening for the admin API on %s: %w", cfg.AdminAddr, err)
	}
	d.AdminURL = "http://" + adminLn.Addr().String()
	if cfg.PublicURL == "" {
		cfg.PublicURL = d.DataURL
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// The control plane notifies the data plane after each commit; the data plane reads usage counts
	// from, and flushes them to, the control plane's store.
	var plane *dataPlane
	svc := control.New(d.store, control.Options{
		PublicURL:        cfg.PublicURL,
		OnStageChange:    func(apiID, stage string) { plane.stageChanged(apiID, stage) },
		OnMeteringChange: func() { plane.meteringChanged() },
		StageStatus:      func(apiID, stage string) (string, string) { return plane.status(apiID, stage) },
		SecretKey:        secretKey,
	})
	dp, err := dataplane.New(dataplane.Options{Logger: cfg.Logger, Registerer: reg, Usage: svc,
		AccountRateLimit: cfg.AccountRateLimit, AccountBurstLimit: cfg.AccountBurstLimit, CacheMaxBytes: cfg.CacheMaxBytes,
		Server: cfg.Server, Region: cfg.Region, DataDir: cfg.DataDir, AWS: awsClient,
		AccessLogMaxBytes: cfg.AccessLogMaxBytes, AccessLogMaxFiles: cfg.AccessLogMaxFiles})
	if err != nil {
		return nil, err
	}
	d.dp = dp
	plane = newDataPlane(cfg.Logger, dp, svc)
	if err := svc.EnsureDefaultModels(ctx); err != nil {
		return nil, err
	}
	// A change committed just before a crash may not have reached its auto-deploy stages yet.
	if err := svc.DeployPending(ctx); err != nil {
		return nil, err
	}
	if err := plane.loadAll(ctx); err != nil {
		return nil, fmt.Errorf("loading stages: %w", err)
	}
	if err := dp.LoadUsage(ctx); err != nil {
		return nil, fmt.Errorf("loading usage counts: %w", err)
	}
	if d.console, err = console.New(console.Options{Token: d.Token, Service: svc, Audit: d.store, Live: dp.LiveTotals,
		Logger: cfg.Logger}); err != nil {
		return nil, err
	}
	defer func() {
		if !ok {
			d.console.Close()
		}
	}()
	api, err := admin.New(admin.Options{
		Token: d.Token, Service: svc, Audit: d.store, Logger: cfg.Logger,
		Metrics:           promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		Ready:             d.ready,
		BeforeUsageReport: dp.FlushUsage,
		FlushStageCache:   plane.FlushCache,
		Registerer:        reg,
		Console:           d.console,
	})
	if err != nil {
		return nil, err
	}
	d.serve(adminLn, api)
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		if err := dp.Serve(context.WithoutCancel(ctx), dataLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.serveErr <- err
		}
	}()
	ok = true
	return d, nil
}

// serve runs the admin API on ln with its own server settings (timeouts, header limit, JSON answers
// from net/http itself; see admin.API.Server and Listener).
func (d *Daemon) serve(ln net.Listener, api *admin.API) {
	srv := api.Server()
	srv.ErrorLog = slog.NewLogLogger(d.log.Handler(), slog.LevelDebug)
	d.servers = append(d.servers, srv)
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		if err := srv.Serve(api.Listener(ln)); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.serveErr <- err
		}
	}()
}

// ready reports whether the daemon can serve: the store answers and no stage has failed (a failed
// stage answers 500 to every request; see dataplane.StageStatus).
func (d *Daemon) ready(ctx context.Context) error {
	if err := d.store.Ping(ctx); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if failed := d.dp.FailedStages(); len(failed) > 0 {
		return fmt.Errorf("%d stage(s) failed and answer 500 to every request: %s", len(failed), strings.Join(failed, "; "))
	}
	return nil
}

// Err returns a channel that reports a listener that stopped on its own.
func (d *Daemon) Err() <-chan error { return d.serveErr }

// Shutdown stops accepting, lets in-flight requests finish until ctx ends, then closes the store.
func (d *Daemon) Shutdown(ctx context.Context) error {
	var errs []error
	if d.dp != nil {
		if err := d.dp.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	for _, srv := range d.servers {
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	d.wg.Wait()
	d.console.Close()
	errs = append(errs, d.close())
	return errors.Join(errs...)
}

func (d *Daemon) close() error {
	if d.store == nil {
		return nil
	}
	return d.store.Close()
}

// adminToken returns the configured token, or the one kept in the data dir, generating it (mode 0600)
// at first start.
func adminToken(cfg Config) (token, path string, err error) {
	if cfg.AdminToken != "" {
		return cfg.AdminToken, "", nil
	}
	path = filepath.Join(cfg.DataDir, TokenFile)
	if b, err := os.ReadFile(path); err == nil {
		if tok := strings.TrimSpace(string(b)); tok != "" {
			return tok, path, nil
		}
		return "", "", fmt.Errorf("admin token file %s is empty; delete it to generate a new token", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", "", fmt.Errorf("reading admin token: %w", err)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("generating admin token: %w", err)
	}
	token = hex.EncodeToString(b)
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return "", "", fmt.Errorf("writing admin token: %w", err)
	}
	return token, path, nil
}

// secretKey returns the data directory's secret key, generating it at first start.
func secretKey(dataDir string) ([]byte, error) {
	path := filepath.Join(dataDir, SecretKeyFile)
	b, err := os.ReadFile(path)
	switch {
	case err == nil && len(b) == 32:
		return b, nil
	case err == nil:
		return nil, fmt.Errorf("secret key file %s holds %d bytes, not 32; restore it from a backup (the IAM access keys' secrets are sealed with it)", path, len(b))
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("reading secret key: %w", err)
	}
	b = make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("generating secret key: %w", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("writing secret key: %w", err)
	}
	return b, nil
}
