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
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/admin"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/console"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/function"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/awsapi"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/cache"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/quota"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/telemetry"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/throttle"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/postgres"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/sqlite"
)

// Config is what `gatewayd serve` takes from flags and the environment.
type Config struct {
	// DataDir holds the SQLite database and the generated admin token.
	DataDir string
	// Store is where the configuration is kept: empty for the embedded SQLite database in DataDir, or
	// a postgres:// (postgresql://) URL of a PostgreSQL database that several nodes share.
	Store string
	// Redis, a redis:// URL, makes throttling, quotas and stage caches cluster-wide: every node on that
	// Redis draws from the same token buckets (throttle.Redis) and quota counters (quota.Redis), and
	// reads and fills the same cache entries (cache.Redis). Empty keeps them in each node's memory.
	Redis string
	// QuotaFailOpen decides quotas on each node's own counts while Redis cannot be reached; by
	// default they fail closed (503).
	QuotaFailOpen bool
	// PollInterval is how often a node on a shared store looks for other nodes' changes besides the
	// store's notifications, in case one was lost; zero takes one second.
	PollInterval time.Duration
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
	// TLSListen, when set, is the data plane's TLS listen address (domain names, and
	// /{api_id}/{stage} on the default certificate issued by the internal CA). See tls.go.
	TLSListen string
	// TLSCertFile and TLSKeyFile, when set, are the TLS listener's default certificate (PEM) instead
	// of one issued by the internal CA.
	TLSCertFile, TLSKeyFile string
	// DomainHTTP is what plain HTTP to a domain name gets: dataplane.DomainHTTPRedirect (default),
	// DomainHTTPForbid or DomainHTTPServe.
	DomainHTTP string
	// HSTSMaxAge, when positive, sends Strict-Transport-Security with that max-age over TLS.
	HSTSMaxAge int
	// ACMEAcceptTOS turns on ACME certificates (validation_method ACME), accepting the CA's terms
	// of service. ACMEDirectoryURL is the CA's directory (empty: Let's Encrypt's production CA),
	// ACMEEmail the account's contact, ACMECARoot a PEM file of roots the directory's HTTPS is also
	// trusted with (a private CA), ACMEChallenges the challenge types answered in order of preference
	// (empty: tls-alpn-01, http-01). See acme.go.
	ACMEAcceptTOS                           bool
	ACMEDirectoryURL, ACMEEmail, ACMECARoot string
	ACMEChallenges                          []string
	Logger                                  *slog.Logger

	// VPCLinkTargets maps the ARN-shaped targets of VPC links to backend addresses
	// (--vpc-link-targets); targets that are addresses need no entry.
	VPCLinkTargets model.VPCLinkTargetMap

	// noNotify (tests) makes a node on a shared store ignore the store's notifications and only poll.
	noNotify bool
	// acmeEvery (tests) replaces acmeEvery; now (tests) the control plane's clock.
	acmeEvery time.Duration
	now       func() time.Time
}

// SecretKeyFile is the name, inside the data directory, of the key that encrypts IAM access keys'
// secrets at rest (32 random bytes, generated at first start, mode 0600).
const SecretKeyFile = "secret-key"

// TokenFile is the name of the generated token's file inside the data directory.
const TokenFile = "admin-token"

// Daemon is a running gatewayd.
type Daemon struct {
	// AdminURL and DataURL are the listeners' base URLs; TLSURL the TLS listener's (https://...), if on.
	AdminURL, DataURL, TLSURL string
	// CAFile is the internal CA's certificate, which clients trust.
	CAFile string
	// Token is the admin token in force; TokenPath is where it was read or generated, if anywhere.
	Token, TokenPath string
	// console is the web console on the admin listener; Shutdown stops its sampler.
	console *console.Console

	log   *slog.Logger
	store store.Store
	dp    *dataplane.Server
	plane *dataPlane
	redis *redis.Client
	// limiter is the Redis limiter when there is one.
	limiter *throttle.Redis
	// stopFollow ends the reconciler's loop (reconcile.go).
	stopFollow context.CancelFunc
	servers    []*http.Server
	// stopRenew ends the renewal of INTERNAL certificates.
	stopRenew chan struct{}
	wg        sync.WaitGroup
	serveErr  chan error
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
	issuer, err := newIssuer(cfg) // acme.go
	if err != nil {
		return nil, err
	}
	d := &Daemon{log: cfg.Logger, serveErr: make(chan error, 3)}
	if d.Token, d.TokenPath, err = adminToken(cfg); err != nil {
		return nil, err
	}
	secretKey, err := secretKey(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	var nodeFeed feed = localFeed{}
	switch {
	case cfg.Store == "":
		if d.store, err = sqlite.Open(ctx, filepath.Join(cfg.DataDir, "gatewayd.db")); err != nil {
			return nil, fmt.Errorf("opening store: %w", err)
		}
	case strings.HasPrefix(cfg.Store, "postgres://") || strings.HasPrefix(cfg.Store, "postgresql://"):
		pg, err := postgres.Open(ctx, cfg.Store)
		if err != nil {
			return nil, fmt.Errorf("opening store: %w", err)
		}
		d.store, nodeFeed = pg, storeFeed{pg}
		if cfg.noNotify {
			nodeFeed = pollOnly{}
		}
	default:
		return nil, errors.New("the store must be empty (the embedded SQLite database in the data dir) or a postgres:// URL")
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
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
	tlsLn, tlsOpts, err := d.listenTLS(cfg)
	if err != nil {
		dataLn.Close()
		adminLn.Close()
		return nil, err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// The data plane follows the store's revisions (reconcile.go): at once after this node's own
	// commits, and on its feed for other nodes'. It reads usage counts from, and flushes them to, the
	// control plane's store.
	acmeWake := make(chan struct{}, 1)
	var wakeACME func()
	if issuer != nil {
		wakeACME = func() {
			select {
			case acmeWake <- struct{}{}:
			default:
			}
		}
	}
	var plane *dataPlane
	svc := control.New(d.store, control.Options{
		ACMEWake:    wakeACME,
		Now:         cfg.now,
		PublicURL:   cfg.PublicURL,
		OnRevision:  func(rev int64) { plane.committed(rev) },
		StageStatus: func(apiID, stage string) (string, string) { return plane.status(apiID, stage) },
		SecretKey:   secretKey,
		CA:          tlsOpts.ca,
		Region:      cfg.Region,
		TLSHost:     tlsOpts.host,

		VPCLinkTargets:   cfg.VPCLinkTargets,
		AccountRateLimit: cfg.AccountRateLimit, AccountBurstLimit: cfg.AccountBurstLimit,
	})
	var limiter *throttle.Redis
	if cfg.Redis != "" {
		opts, err := throttle.RedisOptions(cfg.Redis)
		if err != nil {
			return nil, fmt.Errorf("the redis URL: %w", err)
		}
		d.redis = redis.NewClient(opts)
		limiter = throttle.NewRedis(d.redis, nodeID(adminLn.Addr().String()), cfg.Logger)
		d.limiter = limiter
		reg.MustRegister(prometheus.NewCounterFunc(telemetry.CounterOpts("gatewayd_throttle_local_decisions_total"),
			func() float64 { return float64(limiter.Fallbacks()) }))
	}
	dpOpts := dataplane.Options{Logger: cfg.Logger, Registerer: reg, Usage: svc,
		AccountRateLimit: cfg.AccountRateLimit, AccountBurstLimit: cfg.AccountBurstLimit, CacheMaxBytes: cfg.CacheMaxBytes,
		Server: cfg.Server, Region: cfg.Region, DataDir: cfg.DataDir, AWS: awsClient,
		AccessLogMaxBytes: cfg.AccessLogMaxBytes, AccessLogMaxFiles: cfg.AccessLogMaxFiles,
		DefaultCertificate: tlsOpts.cert, DomainHTTP: cfg.DomainHTTP, HTTPSPort: tlsOpts.port, HSTSMaxAge: cfg.HSTSMaxAge,
		VPCLinkTargets: cfg.VPCLinkTargets}
	if limiter != nil {
		dpOpts.Limiter = limiter
		dpOpts.Counter = quota.NewRedis(d.redis, true, cfg.QuotaFailOpen)
		// Stage caches live in Redis too, so that a response is fetched once for the cluster and a
		// flush empties it everywhere; while Redis is down they are bypassed (cache.Redis).
		bypassed := new(atomic.Int64)
		reg.MustRegister(prometheus.NewCounterFunc(telemetry.CounterOpts("gatewayd_cache_redis_bypassed_total"),
			func() float64 { return float64(bypassed.Load()) }))
		dpOpts.CacheStore = func(apiID, stage, size string, budget int64) cache.Store {
			return cache.NewRedis(d.redis, apiID+"/"+stage, size, budget, cache.RedisOptions{Logger: cfg.Logger, Bypassed: bypassed})
		}
		// Function authorizers' decisions too, behind each node's own cache, so that the cluster calls a
		// function once per identity and TTL.
		authz := function.NewRedis(d.redis, function.RedisOptions{Logger: cfg.Logger})
		reg.MustRegister(prometheus.NewCounterFunc(telemetry.CounterOpts("gatewayd_authorizer_redis_bypassed_total"),
			func() float64 { return float64(authz.Bypassed()) }))
		dpOpts.AuthorizerCache = authz
	}
	dp, err := dataplane.New(dpOpts)
	if err != nil {
		return nil, err
	}
	d.dp = dp
	plane = newDataPlane(cfg.Logger, dp, svc)
	d.plane = plane
	revision := telemetry.Def("gatewayd_config_revision")
	applied := prometheus.NewGauge(prometheus.GaugeOpts{Name: revision.Name, Help: revision.Help})
	reg.MustRegister(applied)
	plane.onApplied = func(rev int64) { applied.Set(float64(rev)) }
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
		FlushStageCache:   svc.FlushStageCache, // through the revisions, so that every node flushes
		Registerer:        reg,
		Console:           d.console,
	})
	if err != nil {
		return nil, err
	}
	followCtx, stopFollow := context.WithCancel(context.WithoutCancel(ctx))
	d.stopFollow = stopFollow
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		poll := cfg.PollInterval
		if _, local := nodeFeed.(localFeed); local {
			poll = 0 // this process is the store's only writer
		}
		plane.follow(followCtx, nodeFeed, poll)
	}()
	if limiter != nil {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			limiter.Heartbeat(followCtx)
		}()
	}
	d.serve(adminLn, api)
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		if err := dp.Serve(context.WithoutCancel(ctx), dataLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.serveErr <- err
		}
	}()
	if tlsLn != nil {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			if err := dp.ServeTLS(context.WithoutCancel(ctx), tlsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				d.serveErr <- err
			}
		}()
	}
	d.renewCertificates(svc)
	if issuer != nil {
		var spread time.Duration
		if cfg.Store != "" {
			spread = cfg.PollInterval
		}
		d.runACME(svc, issuer, acmeWake, cfg.acmeEvery, spread)
	}
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
	if d.stopFollow != nil {
		d.stopFollow()
	}
	if d.stopRenew != nil {
		close(d.stopRenew)
	}
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
	if d.stopFollow != nil {
		d.stopFollow()
	}
	if d.redis != nil {
		d.redis.Close()
	}
	if d.store == nil {
		return nil
	}
	return d.store.Close()
}

// nodeID names this node in Redis's heartbeat: host, admin address and a random part, so that a
// restarted node is a new one (the old entry expires).
func nodeID(adminAddr string) string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return host + "/" + adminAddr + "/" + hex.EncodeToString(b)
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
