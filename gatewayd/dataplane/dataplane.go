// Package dataplane serves deployed stages: it routes /{api_id}/{stage_name}/{path} to a method of the
// stage's deployment, runs the method's pipeline (match, authorize, throttle, read the body, cache,
// integrate, observe) and answers. Stages are compiled aside and swapped in atomically; the request
// path reads only immutable tables and never touches the store.
//
// Like API Gateway, the data plane answers 403 {"message":"Missing Authentication Token"} for an unknown
// API, stage, resource or verb, so that callers cannot tell a missing route from a protected one.
//
// API keys and usage plans (SetMetering) are compiled and swapped in the same way. Throttling and
// quota state lives in registries keyed by what they limit, so it survives every swap; usage counts
// are kept in memory and written to the UsageStore in batches, never on the request path.
//
// A stage with cache_cluster_enabled has one response cache, kept across recompiles while its size
// stays the same; the cache step sits after throttling, so cached answers still count against
// throttles and quotas, and before the integration, which a miss calls once for all concurrent
// requests of one key (see cache.go for which methods are cached and how Cache-Control is honoured).
//
// Each pipeline capability has its own package: router (the resource tree), authorize, apikey,
// usageplan, throttle (token buckets), quota (usage counts), cache (the stage response cache), mapping
// (parameters, templates, response selection), integration (MOCK, HTTP, HTTP_PROXY, AWS_PROXY), upstream
// (the pooled backend client), telemetry (metrics and access log) and gwerror (the gateway's own
// answers, rendered once, here, as {"message": ...}).
package dataplane

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/accesslog"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/apikey"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/function"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/jwtauth"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/sigv4"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/awsapi"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/cache"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/domain"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/quota"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/telemetry"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/throttle"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/upstream"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/vpclink"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Options configures a Server. Zero values take the defaults documented on each field.
type Options struct {
	// Logger receives the access log (one JSON line per request, at Info; gateway failures at Warn) and
	// server errors. Nil discards them.
	Logger *slog.Logger
	// Registerer receives the data plane's metrics. Nil leaves them unregistered.
	Registerer prometheus.Registerer
	// Server is the HTTP server Serve runs for clients: ServerFastHTTP (the default) or ServerNetHTTP.
	// ServeHTTP is net/http's whatever it says.
	Server string
	// MaxBodyBytes caps request and backend response bodies; larger requests get 413. Default 10 MB.
	MaxBodyBytes int64
	// MaxHeaderBytes caps the request line and headers; larger requests get 431. Default 16 KB.
	MaxHeaderBytes int
	// ReadHeaderTimeout bounds reading a request's headers. Default 10s.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included, so slow clients cannot hold a
	// connection forever (with fasthttp: the body, from the end of the headers). Default 30s.
	ReadTimeout time.Duration
	// WriteTimeout bounds a request from the end of its headers to the end of the answer; it must exceed
	// the longest integration timeout (29s). With fasthttp it bounds writing the answer only. Default 60s.
	WriteTimeout time.Duration
	// IdleTimeout closes idle keep-alive client connections. Default 120s.
	IdleTimeout time.Duration

	// AccountRateLimit and AccountBurstLimit are the account-level token bucket every request of every
	// stage meets last. Defaults model.DefaultAccountRateLimit and model.DefaultAccountBurstLimit.
	AccountRateLimit  float64
	AccountBurstLimit int
	// Usage persists usage counts; nil keeps them in memory only, lost on restart.
	Usage UsageStore
	// FlushInterval is how often usage counts are written to Usage. It bounds what a crash loses:
	// the counts of at most the last FlushInterval (plus a write in progress). A graceful Shutdown
	// loses nothing. Default 1s.
	FlushInterval time.Duration
	// Now is the clock of throttling, quota periods and cache expiry. Default time.Now.
	Now func() time.Time
	// CacheMaxBytes caps each stage's response cache, whatever its cache_cluster_size asks for, so
	// that a small machine is never asked for 237 GB. Default DefaultCacheMaxBytes (256 MiB).
	CacheMaxBytes int64
	// Region is the region of the ARNs the data plane builds (method ARNs for authorizers and policies)
	// and the one SigV4 signatures must name. Default model.DefaultRegion.
	Region string
	// AuthorizerCacheEntries bounds each authorizer's decision cache. Default 10,000.
	AuthorizerCacheEntries int
	// AWS resolves and signs the calls of integrations and authorizers whose uri is an
	// arn:aws:apigateway ARN. Default: AWS's endpoints and the AWS SDK's default credential chain.
	AWS *awsapi.Client
	// DataDir is where log group access log destinations are written (DataDir/logs/NAME.log).
	// Default ".".
	DataDir string
	// AccessLogMaxBytes rotates an access log file once it would grow past this size (default 100 MiB);
	// AccessLogMaxFiles rotated files are kept besides it (default 5); AccessLogBuffer lines wait for
	// each destination's writer before new ones are dropped and counted (default 16384).
	AccessLogMaxBytes int64
	AccessLogMaxFiles int
	AccessLogBuffer   int
	// DefaultCertificate is what ServeTLS presents to handshakes that name no domain name (no SNI, an
	// IP address, another name); requests to its names route by /{api_id}/{stage}. Required by
	// ServeTLS.
	DefaultCertificate *tls.Certificate
	// DomainHTTP is what a plain HTTP request to a domain name gets: DomainHTTPRedirect (the default,
	// 301 to https), DomainHTTPForbid (403) or DomainHTTPServe (served, behind a TLS terminator).
	DomainHTTP string
	// HTTPSPort is the port of redirects to https; 0 or 443 leaves it out.
	HTTPSPort int
	// HSTSMaxAge, when positive, sends Strict-Transport-Security: max-age=N on every answer over TLS.
	HSTSMaxAge int
	// Random returns numbers of [0, 1) that split traffic between stages and their canaries; it must be
	// safe for concurrent use. Default math/rand/v2's Float64. Tests inject a seeded source.
	Random func() float64
	// Limiter holds the token buckets of throttling. Nil keeps them in process memory
	// (throttle.Local); throttle.Redis shares them between nodes.
	Limiter Limiter
	// Counter decides quotas and counts usage. Nil counts in process memory (quota.Local);
	// quota.Redis decides on counters shared between nodes.
	Counter Counter
	// VPCLinkTargets maps the ARN-shaped targets of VPC links to backend addresses.
	VPCLinkTargets model.VPCLinkTargetMap
	// CacheStore returns the store of a stage's response cache when the cache is turned on or resized:
	// size is its cache_cluster_size, budget its byte budget (capped by CacheMaxBytes). Nil keeps each
	// stage's entries in process memory (cache.Memory); cache.Redis shares them between nodes.
	CacheStore func(apiID, stage, size string, budget int64) cache.Store
	// AuthorizerCache is the second level of the function authorizers' decision caches, shared between
	// nodes. Nil keeps each node's decisions in its own memory only.
	AuthorizerCache *function.Redis
}

func (o *Options) setDefaults() {
	if o.Server == "" {
		o.Server = ServerFastHTTP
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 10 << 20
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = 16 << 10
	}
	if o.ReadHeaderTimeout <= 0 {
		o.ReadHeaderTimeout = 10 * time.Second
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = 30 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 60 * time.Second
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 120 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.AccountRateLimit <= 0 {
		o.AccountRateLimit = model.DefaultAccountRateLimit
	}
	if o.AccountBurstLimit <= 0 {
		o.AccountBurstLimit = model.DefaultAccountBurstLimit
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CacheMaxBytes <= 0 {
		o.CacheMaxBytes = DefaultCacheMaxBytes
	}
	if o.Region == "" {
		o.Region = model.DefaultRegion
	}
	if o.DomainHTTP == "" {
		o.DomainHTTP = DomainHTTPRedirect
	}
	if o.Random == nil {
		o.Random = rand.Float64
	}
}

// Server is the data plane. It is an http.Handler, and can also run its own listeners with Serve.
type Server struct {
	opts      Options
	client    *upstream.Client
	metrics   *telemetry.Metrics
	accessLog *telemetry.AccessLog
	// accessLogs are the destinations of stages' access logs (access_log_settings).
	accessLogs *accesslog.Sinks
	// unmatched counts requests for unknown APIs or stages, under empty labels.
	unmatched *telemetry.Route
	// live holds each stage's running totals for the web console (LiveTotals).
	live *telemetry.LiveSet
	// invalidHeaderLog keeps a backend that always answers with a bad header from flooding the log:
	// the metric counts every one.
	invalidHeaderLog rate.Sometimes
	pipeline         []step
	// authOpts configure the authorizers of every stage; their JWT keys are shared by all.
	authOpts authorize.Options

	// apis is the immutable map of live stages, replaced whole on every change.
	apis atomic.Pointer[apiMap]
	// mu serializes writers of apis; readers never take it.
	mu sync.Mutex
	// memos let a stage's next compile reuse the parts that did not change (compilememo.go).
	memos compileMemos

	srvMu   sync.Mutex
	servers map[front]struct{}
	// shut is set by Shutdown, so that a Serve that starts afterwards returns at once.
	shut bool

	// keys holds the compiled API keys and usage plans, replaced whole by SetMetering.
	keys atomic.Pointer[apikey.Keyring]
	// domains holds the compiled domain names, replaced whole by SetDomains (domains.go).
	domains atomic.Pointer[domain.Table]
	// hsts is the Strict-Transport-Security value, nil when off.
	hsts []string
	// iam holds the compiled IAM credentials and policies, replaced whole by SetIAM.
	iam     atomic.Pointer[authorize.IAM]
	limiter Limiter
	counter Counter
	// vpcLinks holds the VPC links' pools, replaced by SetVPCLinks (vpclinks.go).
	vpcLinks *vpclink.Set
	// account is the account-level limit the stages compile in (account.go).
	account atomic.Pointer[throttle.Limit]
	// flushMu serializes flushes and loads of usage counts.
	flushMu  sync.Mutex
	stopOnce sync.Once
	stop     chan struct{}
	stopped  chan struct{}
}

// New returns a data plane serving no stage yet.
func New(opts Options) (*Server, error) {
	opts.setDefaults()
	if d := opts.DomainHTTP; d != DomainHTTPRedirect && d != DomainHTTPForbid && d != DomainHTTPServe {
		return nil, fmt.Errorf("creating data plane: unknown domain HTTP mode %q, want %q, %q or %q", d, DomainHTTPRedirect, DomainHTTPForbid, DomainHTTPServe)
	}
	if opts.AWS == nil {
		var err error
		if opts.AWS, err = awsapi.New(awsapi.Options{Region: opts.Region}); err != nil {
			return nil, fmt.Errorf("creating data plane: %w", err)
		}
	}
	if opts.Server != ServerFastHTTP && opts.Server != ServerNetHTTP {
		return nil, fmt.Errorf("creating data plane: unknown server %q, want %q or %q", opts.Server, ServerFastHTTP, ServerNetHTTP)
	}
	m, err := telemetry.NewMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("creating data plane: %w", err)
	}
	sinks, err := accesslog.NewSinks(accesslog.Options{DataDir: opts.DataDir, MaxBytes: opts.AccessLogMaxBytes,
		MaxFiles: opts.AccessLogMaxFiles, Buffer: opts.AccessLogBuffer, Logger: opts.Logger, Registerer: opts.Registerer})
	if err != nil {
		return nil, fmt.Errorf("creating data plane: %w", err)
	}
	s := &Server{
		opts:             opts,
		client:           upstream.New(opts.MaxBodyBytes),
		metrics:          m,
		accessLog:        telemetry.NewAccessLog(opts.Logger),
		accessLogs:       sinks,
		unmatched:        m.Route("", "", "", ""),
		live:             telemetry.NewLiveSet(),
		invalidHeaderLog: rate.Sometimes{Interval: 10 * time.Second},
		servers:          map[front]struct{}{},
		limiter:          opts.Limiter,
		counter:          opts.Counter,
		stop:             make(chan struct{}),
		stopped:          make(chan struct{}),
	}
	if s.limiter == nil {
		s.limiter = localLimiter{throttle.NewLocal()}
	}
	if s.counter == nil {
		s.counter = localCounter{quota.NewLocal(opts.Usage != nil)}
	}
	s.authOpts = authorize.Options{
		Region:    opts.Region,
		Functions: function.Options{Client: s.client, MaxEntries: opts.AuthorizerCacheEntries, Now: opts.Now, AWS: opts.AWS, Shared: opts.AuthorizerCache},
		JWT:       jwtauth.Options{Keys: jwtauth.NewKeys(jwtauth.KeysOptions{Now: opts.Now}), MaxEntries: opts.AuthorizerCacheEntries, Now: opts.Now},
		Verifier:  &sigv4.Verifier{Region: opts.Region, Now: opts.Now},
	}
	if s.vpcLinks, err = newVPCLinks(opts); err != nil {
		return nil, fmt.Errorf("creating data plane: %w", err)
	}
	s.pipeline = []step{s.match, s.authorize, s.throttle, s.readBody, s.validate, s.cached, s.integrate}
	s.apis.Store(&apiMap{})
	if opts.HSTSMaxAge > 0 {
		s.hsts = []string{"max-age=" + strconv.Itoa(opts.HSTSMaxAge)}
	}
	s.keys.Store(&apikey.Keyring{})
	s.account.Store(&throttle.Limit{Rate: opts.AccountRateLimit, Burst: opts.AccountBurstLimit})
	go s.background(s.stop, s.stopped)
	return s, nil
}

// front is a running client-facing server.
type front interface {
	// shutdown stops accepting and waits for in-flight requests until ctx is done.
	shutdown(ctx context.Context) error
}

type httpFront struct{ hs *http.Server }

func (f httpFront) shutdown(ctx context.Context) error { return f.hs.Shutdown(ctx) }

// Serve accepts connections on ln with the server Options.Server names until Shutdown is called or ctx
// is done, which shuts down gracefully. It returns nil after a shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	var f front
	var run func() error
	if s.opts.Server == ServerNetHTTP {
		hs := &http.Server{
			Handler:           s,
			ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
			ReadTimeout:       s.opts.ReadTimeout,
			WriteTimeout:      s.opts.WriteTimeout,
			IdleTimeout:       s.opts.IdleTimeout,
			MaxHeaderBytes:    s.opts.MaxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(s.opts.Logger.Handler(), slog.LevelDebug),
			BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		}
		f = httpFront{hs}
		run = func() error {
			err := hs.Serve(ln)
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return fmt.Errorf("serving data plane on %s: %w", ln.Addr(), err)
		}
	} else {
		ff := s.newFastFront(ln)
		f, run = ff, ff.serve
	}
	s.srvMu.Lock()
	if s.shut {
		s.srvMu.Unlock()
		ln.Close()
		return nil
	}
	s.servers[f] = struct{}{}
	s.srvMu.Unlock()
	defer func() {
		s.srvMu.Lock()
		delete(s.servers, f)
		s.srvMu.Unlock()
	}()
	stop := context.AfterFunc(ctx, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		f.shutdown(sctx)
	})
	defer stop()
	return run()
}

// CloseIdleConnections closes the idle keep-alive connections to backends.
func (s *Server) CloseIdleConnections() { s.client.CloseIdle() }

// Shutdown stops every Serve loop, waits for in-flight requests until ctx is done, closes idle
// backend connections, stops the background flusher and flushes usage counts a last time.
func (s *Server) Shutdown(ctx context.Context) error {
	s.srvMu.Lock()
	s.shut = true
	servers := make([]front, 0, len(s.servers))
	for f := range s.servers {
		servers = append(servers, f)
	}
	s.srvMu.Unlock()
	var errs []error
	for _, f := range servers {
		if err := f.shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	s.client.CloseIdle()
	s.stopOnce.Do(func() { close(s.stop) })
	<-s.stopped
	// After the requests: their counts and access log lines are in.
	if err := s.FlushUsage(ctx); err != nil {
		errs = append(errs, err)
	}
	s.accessLogs.Close()
	s.vpcLinks.Close()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("shutting down data plane: %w", err)
	}
	return nil
}
