package dataplane

import (
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/telemetry"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// metricLabels are the resource and method labels of a method's metrics. As in API Gateway, a method
// has series of its own only when its method settings enable detailed metrics (metrics_enabled on its
// "path/VERB" entry, else "path/*", else "*/*"); otherwise it counts in the stage's series, whose
// resource and method labels are empty (with the requests of routes the stage does not have). This
// keeps the number of series at one per stage unless an operator asks for more, and bounded by the
// deployed methods when they do: labels are resource templates, never request paths.
func metricLabels(st model.Stage, path, verb string) (resource, method string) {
	r := strings.TrimPrefix(path, "/")
	ms, ok := st.MethodSettings[r+"/"+verb]
	if !ok {
		ms, ok = st.MethodSettings[r+"/*"]
	}
	if !ok {
		ms, ok = st.MethodSettings["*/*"]
	}
	if ok && ms.MetricsEnabled {
		return path, verb
	}
	return "", ""
}

// cacheMetrics resolves a cached method's hit and miss counters, labelled as its other metrics.
func (s *Server) cacheMetrics(st model.Stage, path, verb string, isCanary bool) *telemetry.CacheRoute {
	r, m := metricLabels(st, path, verb)
	return s.metrics.CacheRoute(st.RestAPIID, st.StageName, r, m, isCanary)
}
