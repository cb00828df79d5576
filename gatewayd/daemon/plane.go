package daemon

import (
	"context"
	"log/slog"
	"net/http"
	"sync"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// stageServer is the data plane as the daemon drives it: it serves requests and takes compiled stages.
type stageServer interface {
	http.Handler
	SetStage(stage model.Stage, snap *model.Snapshot) error
	RemoveStage(apiID, stageName string)
	SetMetering(m model.MeteringSnapshot) error
	// FlushCache empties one stage's response cache.
	FlushCache(apiID, stageName string)
}

// dataPlane keeps the data plane's stages in step with the control plane. It runs on the admin side,
// after each commit; the request path never calls it.
type dataPlane struct {
	stageServer
	svc *control.Service
	log *slog.Logger
	// mu orders reloads so that a slower reload of an older state cannot overwrite a newer one: each
	// reload reads the current state while holding it.
	mu sync.Mutex
}

func newDataPlane(log *slog.Logger, srv stageServer, svc *control.Service) *dataPlane {
	return &dataPlane{stageServer: srv, svc: svc, log: log}
}

// meteringChanged reloads API keys and usage plans after a commit changed them.
func (p *dataPlane) meteringChanged() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.reloadMetering(context.Background()); err != nil {
		p.log.Error("loading api keys and usage plans for the data plane", "err", err)
	}
}

func (p *dataPlane) reloadMetering(ctx context.Context) error {
	m, err := p.svc.Metering(ctx)
	if err != nil {
		return err
	}
	return p.SetMetering(m)
}

// stageChanged reloads one stage after a commit changed it.
func (p *dataPlane) stageChanged(apiID, stageName string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reload(context.Background(), apiID, stageName)
}

func (p *dataPlane) reload(ctx context.Context, apiID, stageName string) {
	st, snap, err := p.svc.StageConfig(ctx, apiID, stageName)
	if control.IsNotFound(err) {
		p.RemoveStage(apiID, stageName)
		return
	}
	if err != nil {
		p.log.Error("loading stage for the data plane", "api", apiID, "stage", stageName, "err", err)
		return
	}
	if err := p.SetStage(st, snap); err != nil {
		// The stage keeps serving what it served before; the control plane validated the parts, so
		// this is a bug worth a loud log line rather than a dark stage.
		p.log.Error("compiling stage", "api", apiID, "stage", stageName, "deployment", st.DeploymentID, "err", err)
	}
}

// loadAll loads every stage at start.
func (p *dataPlane) loadAll(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.reloadMetering(ctx); err != nil {
		return err
	}
	stages, err := p.svc.AllStages(ctx)
	if err != nil {
		return err
	}
	for _, st := range stages {
		p.reload(ctx, st.RestAPIID, st.StageName)
	}
	return nil
}
