package telemetry

import "github.com/prometheus/client_golang/prometheus"

// Metric describes one of gatewayd's metrics. The collectors are made from Catalog, and so are the
// monitoring guide's table and its Grafana dashboard (go generate in package monitoringdoc), so the
// three cannot disagree.
type Metric struct {
	// Name is the Prometheus name.
	Name string
	// Kind is "counter", "histogram" or "gauge".
	Kind string
	Help string
	// Labels are the metric's labels, in order.
	Labels []string
	// AWS is the API Gateway CloudWatch metric it stands for, if any.
	AWS string
	// Panel, when set, is the dashboard panel that shows the metric: its title, unit (Grafana's) and
	// queries, each a legend and a PromQL expression over the dashboard's $api and $stage variables.
	Panel *Panel
}

// Panel is one graph of the Grafana dashboard.
type Panel struct {
	Title   string
	Unit    string
	Queries []Query
}

// Query is one line of a panel.
type Query struct {
	Legend, Expr string
}

// routeLabels label the per-route metrics: the resource path template and the method are empty for the
// stage's own series (methods without metrics_enabled, and routes the stage does not have).
var routeLabels = []string{"api", "stage", "resource", "method", "canary"}

// sel is the dashboard's selector of the chosen APIs and stages.
const sel = `{api=~"$api",stage=~"$stage"}`

func rate(name string) string {
	return `sum by (api, stage) (rate(` + name + sel + `[$__rate_interval]))`
}

func quantiles(name string) []Query {
	q := func(p string) string {
		return `histogram_quantile(` + p + `, sum by (api, stage, le) (rate(` + name + `_bucket` + sel + `[$__rate_interval])))`
	}
	return []Query{{"p50 {{api}}/{{stage}}", q("0.5")}, {"p99 {{api}}/{{stage}}", q("0.99")}}
}

// Catalog lists gatewayd's metrics (the Go runtime's and the process's, go_* and process_*, aside).
var Catalog = []Metric{
	{Name: "gatewayd_requests_total", Kind: "counter", Labels: routeLabels, AWS: "Count",
		Help:  "Requests the data plane answered.",
		Panel: &Panel{Title: "Requests per second", Unit: "reqps", Queries: []Query{{"{{api}}/{{stage}}", rate("gatewayd_requests_total")}}}},
	{Name: "gatewayd_4xx_errors_total", Kind: "counter", Labels: routeLabels, AWS: "4XXError",
		Help:  "Requests answered with a 4xx status.",
		Panel: &Panel{Title: "4xx per second", Unit: "reqps", Queries: []Query{{"{{api}}/{{stage}}", rate("gatewayd_4xx_errors_total")}}}},
	{Name: "gatewayd_5xx_errors_total", Kind: "counter", Labels: routeLabels, AWS: "5XXError",
		Help:  "Requests answered with a 5xx status.",
		Panel: &Panel{Title: "5xx per second", Unit: "reqps", Queries: []Query{{"{{api}}/{{stage}}", rate("gatewayd_5xx_errors_total")}}}},
	{Name: "gatewayd_request_duration_seconds", Kind: "histogram", Labels: routeLabels, AWS: "Latency",
		Help:  "Time from receiving a request to answering it.",
		Panel: &Panel{Title: "Latency", Unit: "s", Queries: quantiles("gatewayd_request_duration_seconds")}},
	{Name: "gatewayd_integration_duration_seconds", Kind: "histogram", Labels: routeLabels, AWS: "IntegrationLatency",
		Help:  "Time spent waiting for the backend.",
		Panel: &Panel{Title: "Integration latency", Unit: "s", Queries: quantiles("gatewayd_integration_duration_seconds")}},
	{Name: "gatewayd_cache_hits_total", Kind: "counter", Labels: routeLabels, AWS: "CacheHitCount",
		Help: "Requests of cached methods answered without calling the backend.",
		Panel: &Panel{Title: "Cache hit ratio", Unit: "percentunit", Queries: []Query{{"{{api}}/{{stage}}",
			rate("gatewayd_cache_hits_total") + " / (" + rate("gatewayd_cache_hits_total") + " + " + rate("gatewayd_cache_misses_total") + ")"}}}},
	{Name: "gatewayd_cache_misses_total", Kind: "counter", Labels: routeLabels, AWS: "CacheMissCount",
		Help: "Requests of cached methods that called the backend (misses and refreshes)."},
	{Name: "gatewayd_throttled_total", Kind: "counter", Labels: append(routeLabels[:len(routeLabels):len(routeLabels)], "reason"),
		Help: "Requests refused with 429: reason is throttle (a token bucket was empty) or quota. API Gateway counts them in 4XXError only.",
		Panel: &Panel{Title: "Throttled and over quota per second", Unit: "reqps", Queries: []Query{{"{{api}}/{{stage}} {{reason}}",
			`sum by (api, stage, reason) (rate(gatewayd_throttled_total` + sel + `[$__rate_interval]))`}}}},
	{Name: "gatewayd_stage_failed", Kind: "gauge", Labels: []string{"api", "stage"},
		Help: "1 when a stage could not be compiled and answers 500 to every request, else 0.",
		Panel: &Panel{Title: "Failed stages and misconfigured methods", Queries: []Query{
			{"failed {{api}}/{{stage}}", `max by (api, stage) (gatewayd_stage_failed` + sel + `)`},
			{"misconfigured methods {{api}}/{{stage}}", `max by (api, stage) (gatewayd_stage_misconfigured_methods` + sel + `)`}}}},
	{Name: "gatewayd_stage_misconfigured_methods", Kind: "gauge", Labels: []string{"api", "stage"},
		Help: "Methods of a stage that answer 500 because they are misconfigured (no integration, one that does not compile, conflicting routes)."},
	{Name: "gatewayd_invalid_response_headers_total", Kind: "counter",
		Help: "Headers of answers (from backends, functions or mapping) dropped because their name or value was invalid or they framed the connection."},
	{Name: "gatewayd_access_log_lines_total", Kind: "counter", Labels: []string{"destination"},
		Help: "Access log lines written, per destination."},
	{Name: "gatewayd_access_log_dropped_total", Kind: "counter", Labels: []string{"destination", "reason"},
		Help: "Access log lines lost, per destination: reason buffer_full (the writer fell behind; requests never wait for it) or write_error (the destination failed).",
		Panel: &Panel{Title: "Access log lines lost per second", Unit: "short", Queries: []Query{{"{{destination}} {{reason}}",
			`sum by (destination, reason) (rate(gatewayd_access_log_dropped_total[$__rate_interval]))`}}}},
	{Name: "gatewayd_admin_unauthorized_total", Kind: "counter", Labels: []string{"reason"},
		Help: "Admin API calls refused with 401, by reason: missing (no Authorization header) or invalid (any other)."},
	{Name: "gatewayd_config_revision", Kind: "gauge",
		Help: "The store revision of the configuration this node's data plane serves; nodes on one store converge to the same value."},
	{Name: "gatewayd_throttle_local_decisions_total", Kind: "counter",
		Help: "Throttling decisions made on this node's own buckets (each limit divided by the live nodes) because Redis could not be reached."},
	{Name: "gatewayd_vpc_link_target_healthy", Kind: "gauge", Labels: []string{"vpc_link", "target"},
		Help: "1 when a VPC link's target takes requests, 0 while it is ejected (passive check) or failing its active health check.",
		Panel: &Panel{Title: "VPC link targets out of service", Queries: []Query{{"{{vpc_link}} {{target}}",
			`1 - gatewayd_vpc_link_target_healthy`}}}},
	{Name: "gatewayd_vpc_link_target_ejections_total", Kind: "counter", Labels: []string{"vpc_link", "target"},
		Help: "Times a VPC link's target was ejected after failing unhealthy_threshold requests in a row."},
	{Name: "gatewayd_vpc_link_target_requests_total", Kind: "counter", Labels: []string{"vpc_link", "target"},
		Help: "Requests sent to a VPC link's target (a retry on another target after a failed connection counts on both)."},
	{Name: "gatewayd_cache_redis_bypassed_total", Kind: "counter",
		Help: "Stage cache operations (reads, fills, stores) this node skipped because Redis could not be reached: its requests went to the backend instead."},
	{Name: "gatewayd_authorizer_redis_bypassed_total", Kind: "counter",
		Help: "Authorizer decision lookups and stores in Redis that failed or were skipped because Redis could not be reached: the node called the function without the shared decision cache."},
}

// Def returns the catalog's entry of name; it panics for a name the catalog lacks, so that a metric
// cannot be added without its documentation.
func Def(name string) Metric {
	for _, m := range Catalog {
		if m.Name == name {
			return m
		}
	}
	panic("telemetry: metric " + name + " is not in Catalog")
}

// CounterOpts are name's options for a counter.
func CounterOpts(name string) prometheus.CounterOpts {
	d := Def(name)
	return prometheus.CounterOpts{Name: d.Name, Help: d.Help}
}
