package dataplane

import (
	"fmt"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/accesslog"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Stage access logs (access_log_settings). The format is compiled with the stage, the destination's
// sink is shared by every stage that names it, and the observe step renders the line into a pooled
// buffer and queues it: a request never waits for the disk (package accesslog).

// sinkGrace is how long a sink no stage names any more stays open, for the requests still finishing
// on the stage table it was replaced in.
const sinkGrace = 5 * time.Second

// stageAccessLog is a stage's compiled access log.
type stageAccessLog struct {
	format *accesslog.Format
	sink   *accesslog.Sink
}

// compileAccessLog compiles a stage's access_log_settings; nil when it has none.
func (s *Server) compileAccessLog(st model.Stage) (*stageAccessLog, error) {
	a := st.AccessLogSettings
	if a == nil {
		return nil, nil
	}
	dest, err := model.ParseAccessLogDestination(a.DestinationARN)
	if err != nil {
		return nil, fmt.Errorf("access log: %w", err)
	}
	f, err := accesslog.Compile(a.Format)
	if err != nil {
		return nil, fmt.Errorf("access log: %w", err)
	}
	return &stageAccessLog{format: f, sink: s.accessLogs.Open(dest)}, nil
}

// retainSinks closes the sinks no live stage (or canary) names. The caller holds s.mu.
func (s *Server) retainSinks() {
	inUse := map[*accesslog.Sink]bool{}
	for _, stages := range *s.apis.Load() {
		for _, st := range stages {
			for _, x := range []*stage{st, st.canary.stage()} {
				if x == nil {
					continue
				}
				if x.accessLog != nil {
					inUse[x.accessLog.sink] = true
				}
				if x.execSink != nil {
					inUse[x.execSink] = true
				}
			}
		}
	}
	s.accessLogs.Retain(inUse, sinkGrace)
}

// logAccess writes the stage's access log line for a request that ended with status, n body bytes and
// ge (the gateway's own answer; nil when the answer came from the integration).
func (s *Server) logAccess(ex *exchange, al *stageAccessLog, status, n int, latency time.Duration, ge *gwerror.Error) {
	if ex.mctx.RequestID == "" {
		ex.baseContext() // answered before authorization (no such route, a refused path)
	}
	e := accesslog.Entry{
		Ctx:                &ex.mctx.Context,
		Status:             status,
		ResponseLength:     n,
		ResponseLatency:    latency,
		IntegrationLatency: ex.integration,
		IntegrationStatus:  ex.mctx.IntegrationStatus,
		FunctionStatus:     ex.mctx.FunctionStatus,
		Canary:             ex.stage.isCanary,
	}
	if ge != nil {
		e.HasError, e.ErrorMessage, e.ErrorType = true, ge.Message, responseType(ge)
		if ge.Type == model.ResponseBadRequestBody || ge.Type == model.ResponseBadRequestParameters {
			e.ValidationError = ge.Message
		}
		if ex.integration >= 0 && ge.Err != nil {
			e.IntegrationError = ge.Err.Error()
		}
	}
	buf := accesslog.Buffer()
	*buf = al.format.Append(*buf, &e)
	al.sink.Write(buf)
}

// stage is the canary's compiled stage; nil for no canary.
func (c *canary) stage() *stage {
	if c == nil {
		return nil
	}
	return c.st
}
