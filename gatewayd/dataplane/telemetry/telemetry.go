// Package telemetry records what the data plane does: Prometheus metrics and the JSON access log.
//
// Metric children are resolved once per route when a stage is compiled, so a request only increments
// counters it already holds. Labels are api, stage, resource (the resource path template, never the
// raw path), method and canary ("true" for the answers of a stage's canary deployment, else "false"),
// which keeps cardinality bounded by the configuration. As in API Gateway, resource and method are
// set only for methods whose method settings enable detailed metrics (metrics_enabled); the others,
// and requests for routes a stage does not have, count in the stage's series with both empty. Catalog
// names and describes every metric.
package telemetry

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics holds the data plane's metric vectors.
type Metrics struct {
	requests    *prometheus.CounterVec
	clientErrs  *prometheus.CounterVec
	serverErrs  *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	integration *prometheus.HistogramVec
	throttled   *prometheus.CounterVec
	cacheHits   *prometheus.CounterVec
	cacheMisses *prometheus.CounterVec
	// stageFailed and stageProblems describe what each stage serves (see dataplane.StageStatus).
	stageFailed   *prometheus.GaugeVec
	stageProblems *prometheus.GaugeVec
	// invalidHeaders counts answer headers dropped because they could not be written safely.
	invalidHeaders prometheus.Counter
}

// NewMetrics creates the metrics (named and described in Catalog) and registers them on reg; a nil
// reg keeps them unregistered.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	buckets := []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	counter := func(name string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(CounterOpts(name), Def(name).Labels)
	}
	histogram := func(name string) *prometheus.HistogramVec {
		d := Def(name)
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: d.Name, Help: d.Help, Buckets: buckets}, d.Labels)
	}
	gauge := func(name string) *prometheus.GaugeVec {
		d := Def(name)
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: d.Name, Help: d.Help}, d.Labels)
	}
	m := &Metrics{
		requests:       counter("gatewayd_requests_total"),
		clientErrs:     counter("gatewayd_4xx_errors_total"),
		serverErrs:     counter("gatewayd_5xx_errors_total"),
		latency:        histogram("gatewayd_request_duration_seconds"),
		integration:    histogram("gatewayd_integration_duration_seconds"),
		throttled:      counter("gatewayd_throttled_total"),
		cacheHits:      counter("gatewayd_cache_hits_total"),
		cacheMisses:    counter("gatewayd_cache_misses_total"),
		stageFailed:    gauge("gatewayd_stage_failed"),
		stageProblems:  gauge("gatewayd_stage_misconfigured_methods"),
		invalidHeaders: prometheus.NewCounter(CounterOpts("gatewayd_invalid_response_headers_total")),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.requests, m.clientErrs, m.serverErrs, m.latency, m.integration, m.throttled,
			m.cacheHits, m.cacheMisses, m.stageFailed, m.stageProblems, m.invalidHeaders} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("registering data plane metrics: %w", err)
			}
		}
	}
	return m, nil
}

// Route holds one route's metric children.
type Route struct {
	requests, clientErrs, serverErrs prometheus.Counter
	latency, integration             prometheus.Observer
	throttle, quota                  prometheus.Counter
}

// Route resolves the children for one route of a stage's own deployment. Unmatched requests use empty
// resource and method labels.
func (m *Metrics) Route(api, stage, resource, method string) *Route {
	return m.RouteOf(api, stage, resource, method, false)
}

// RouteOf resolves the children for one route, of the stage's canary deployment when canary is set.
func (m *Metrics) RouteOf(api, stage, resource, method string, canary bool) *Route {
	c := canaryLabel(canary)
	return &Route{
		requests:    m.requests.WithLabelValues(api, stage, resource, method, c),
		clientErrs:  m.clientErrs.WithLabelValues(api, stage, resource, method, c),
		serverErrs:  m.serverErrs.WithLabelValues(api, stage, resource, method, c),
		latency:     m.latency.WithLabelValues(api, stage, resource, method, c),
		integration: m.integration.WithLabelValues(api, stage, resource, method, c),
		throttle:    m.throttled.WithLabelValues(api, stage, resource, method, c, "throttle"),
		quota:       m.throttled.WithLabelValues(api, stage, resource, method, c, "quota"),
	}
}

func canaryLabel(canary bool) string {
	if canary {
		return "true"
	}
	return "false"
}

// StageStatus records whether a stage failed and how many of its methods are misconfigured.
func (m *Metrics) StageStatus(api, stage string, failed bool, problems int) {
	v := 0.0
	if failed {
		v = 1
	}
	m.stageFailed.WithLabelValues(api, stage).Set(v)
	m.stageProblems.WithLabelValues(api, stage).Set(float64(problems))
}

// InvalidHeaders counts n dropped answer headers.
func (m *Metrics) InvalidHeaders(n int) { m.invalidHeaders.Add(float64(n)) }

// Forget drops the series of a removed stage.
func (m *Metrics) Forget(api, stage string) {
	l := prometheus.Labels{"api": api, "stage": stage}
	m.stageFailed.DeletePartialMatch(l)
	m.stageProblems.DeletePartialMatch(l)
	m.requests.DeletePartialMatch(l)
	m.clientErrs.DeletePartialMatch(l)
	m.serverErrs.DeletePartialMatch(l)
	m.latency.DeletePartialMatch(l)
	m.integration.DeletePartialMatch(l)
	m.throttled.DeletePartialMatch(l)
	m.cacheHits.DeletePartialMatch(l)
	m.cacheMisses.DeletePartialMatch(l)
}

// CacheRoute holds one cached method's hit and miss counters. They are resolved only for methods
// that cache, so that uncached routes export no cache series.
type CacheRoute struct {
	hits, misses prometheus.Counter
}

// CacheRoute resolves the cache counters of one method, of the stage's canary when canary is set.
func (m *Metrics) CacheRoute(api, stage, resource, method string, canary bool) *CacheRoute {
	c := canaryLabel(canary)
	return &CacheRoute{
		hits:   m.cacheHits.WithLabelValues(api, stage, resource, method, c),
		misses: m.cacheMisses.WithLabelValues(api, stage, resource, method, c),
	}
}

// Hit records an answer from the cache, or from another request's backend call.
func (c *CacheRoute) Hit() { c.hits.Inc() }

// Miss records a backend call made for the cache.
func (c *CacheRoute) Miss() { c.misses.Inc() }

// Throttled records a request refused by a token bucket.
func (r *Route) Throttled() { r.throttle.Inc() }

// QuotaExceeded records a request refused by its usage plan's quota.
func (r *Route) QuotaExceeded() { r.quota.Inc() }

// Observe records one answered request; integration is negative when no backend was called.
func (r *Route) Observe(status int, latency, integration time.Duration) {
	r.requests.Inc()
	switch {
	case status >= 500:
		r.serverErrs.Inc()
	case status >= 400:
		r.clientErrs.Inc()
	}
	r.latency.Observe(latency.Seconds())
	if integration >= 0 {
		r.integration.Observe(integration.Seconds())
	}
}

// Entry is one access log line.
type Entry struct {
	RequestID    string
	SourceIP     string
	Method       string
	Path         string
	Protocol     string
	API          string
	Stage        string
	ResourcePath string
	// DeploymentID is the deployment that answered; Canary is set when it was the stage's canary.
	DeploymentID string
	Canary       bool
	Status       int
	Bytes        int
	Received     time.Time
	Latency      time.Duration
	// Integration is negative when no backend was called.
	Integration time.Duration
	// Err is the reason behind a gateway error, for the operator only.
	Err error
	// Principal is who the caller is: an authorizer's principalId, or an IAM user's ARN.
	Principal string
}

// AccessLog writes one JSON line per request through a slog.Logger.
type AccessLog struct {
	logger *slog.Logger
}

// NewAccessLog writes through logger; a nil logger discards.
func NewAccessLog(logger *slog.Logger) *AccessLog {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &AccessLog{logger: logger}
}

// Log writes e.
func (a *AccessLog) Log(ctx context.Context, e *Entry) {
	level := slog.LevelInfo
	if e.Status >= 500 || (e.Err != nil && e.Status == 0) {
		level = slog.LevelWarn
	}
	if !a.logger.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 17)
	attrs = append(attrs,
		slog.String("requestId", e.RequestID),
		slog.String("ip", e.SourceIP),
		slog.String("httpMethod", e.Method),
		slog.String("path", e.Path),
		slog.String("protocol", e.Protocol),
		slog.String("apiId", e.API),
		slog.String("stage", e.Stage),
		slog.String("resourcePath", e.ResourcePath),
		slog.Int("status", e.Status),
		slog.Int("responseLength", e.Bytes),
		slog.Int64("requestTimeEpoch", e.Received.UnixMilli()),
		slog.Float64("latencyMs", float64(e.Latency.Microseconds())/1000),
	)
	if e.DeploymentID != "" {
		attrs = append(attrs, slog.String("deploymentId", e.DeploymentID), slog.Bool("canary", e.Canary))
	}
	if e.Integration >= 0 {
		attrs = append(attrs, slog.Float64("integrationLatencyMs", float64(e.Integration.Microseconds())/1000))
	}
	if e.Principal != "" {
		attrs = append(attrs, slog.String("principalId", e.Principal))
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("error", e.Err.Error()))
	}
	a.logger.LogAttrs(ctx, level, "request", attrs...)
}
