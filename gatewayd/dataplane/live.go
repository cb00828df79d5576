package dataplane

import "github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/telemetry"

// LiveTotals returns a stage's running totals since it was first loaded (answers, 4xx, 5xx, 429, a
// latency histogram), for the web console's live charts; ok is false for a stage it does not serve.
// It reads atomics only and never slows the request path.
func (s *Server) LiveTotals(apiID, stageName string) (t telemetry.LiveTotals, ok bool) {
	return s.live.Totals(apiID, stageName)
}
