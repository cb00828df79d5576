package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// stageServer is the data plane as the daemon drives it: it serves requests and takes compiled stages.
type stageServer interface {
	http.Handler
	StageStatus(apiID, stageName string) (dataplane.StageStatus, bool)
	SetStage(stage model.Stage, snap *model.Snapshot) error
	// SetStageWithCanary is SetStage for a stage with a canary, whose snapshot is canarySnap.
	SetStageWithCanary(stage model.Stage, snap, canarySnap *model.Snapshot) error
	// FailStage makes a stage answer 500 to every request until the next SetStage.
	FailStage(apiID, stageName string, cause error)
	RemoveStage(apiID, stageName string)
	SetMetering(m model.MeteringSnapshot) error
	SetIAM(snap model.IAMSnapshot) error
	SetDomains(snap model.DomainSnapshot) error
	SetVPCLinks(links []model.VPCLink)
	// SetAccountThrottle sets the account-level limit and reports whether it changed.
	SetAccountThrottle(rate float64, burst int) bool
	// FlushCacheAt empties one stage's response cache for the flush of revision rev.
	FlushCacheAt(apiID, stageName string, rev int64)
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
	// retrying holds the stages that failed to load and are being retried (retry).
	retrying map[[2]string]bool
	// retryDelay is the first wait before loading a failed stage again; it doubles up to a minute.
	retryDelay time.Duration
	// applied is the store revision the data plane serves (reconcile.go); loaded, the stages it has.
	applied int64
	loaded  map[[2]string]bool
	// onApplied, when set, is told each revision applied (a metric).
	onApplied func(rev int64)
}

func newDataPlane(log *slog.Logger, srv stageServer, svc *control.Service) *dataPlane {
	return &dataPlane{stageServer: srv, svc: svc, log: log, retrying: map[[2]string]bool{}, retryDelay: time.Second,
		loaded: map[[2]string]bool{}, onApplied: func(int64) {}}
}

func (p *dataPlane) reloadMetering(ctx context.Context) error {
	m, err := p.svc.Metering(ctx)
	if err != nil {
		return err
	}
	if err := p.SetMetering(m); err != nil {
		return err
	}
	iam, err := p.svc.IAM(ctx)
	if err != nil {
		return err
	}
	if err := p.SetIAM(iam); err != nil {
		return err
	}
	domains, err := p.svc.Domains(ctx)
	if err != nil {
		return err
	}
	if err := p.SetDomains(domains); err != nil {
		return err
	}
	links, err := p.svc.ListVPCLinks(ctx)
	if err != nil {
		return err
	}
	p.SetVPCLinks(links)
	// The stages compile the account limit in: a new one reloads them all.
	acct, err := p.svc.GetAccount(ctx)
	if err != nil {
		return err
	}
	if p.SetAccountThrottle(acct.ThrottleSettings.RateLimit, acct.ThrottleSettings.BurstLimit) {
		for k := range p.loaded {
			p.reload(ctx, k[0], k[1])
		}
	}
	return nil
}

// reload loads one stage into the data plane. A stage that cannot be loaded fails closed (it answers
// 500) rather than go on serving what it served before: the change that could not be applied may be
// the one that protects a method. Loading is retried in the background until it works. It reports
// whether the stage's configuration could be read.
func (p *dataPlane) reload(ctx context.Context, apiID, stageName string) bool {
	rel, err := p.svc.StageRelease(ctx, apiID, stageName)
	if control.IsNotFound(err) {
		p.RemoveStage(apiID, stageName)
		delete(p.loaded, [2]string{apiID, stageName})
		return true
	}
	p.loaded[[2]string{apiID, stageName}] = true
	if err != nil {
		p.FailStage(apiID, stageName, fmt.Errorf("loading stage %s/%s: %w", apiID, stageName, err))
		p.retry(apiID, stageName)
		return false
	}
	// A deployment that does not compile fails the stage closed (SetStage logs why); retrying would not
	// help until the stage moves to another deployment, which reloads it.
	_ = p.SetStageWithCanary(rel.Stage, rel.Snapshot, rel.Canary)
	return true
}

// retry loads a stage that failed to load again, with a growing delay, until it loads or is gone. It
// runs one goroutine per failing stage. Must be called with mu held.
func (p *dataPlane) retry(apiID, stageName string) {
	k := [2]string{apiID, stageName}
	if p.retrying[k] {
		return
	}
	p.retrying[k] = true
	go func() {
		for d := p.retryDelay; ; d = min(2*d, time.Minute) {
			time.Sleep(d)
			p.mu.Lock()
			ok := p.reload(context.Background(), apiID, stageName)
			if ok {
				delete(p.retrying, k)
			}
			p.mu.Unlock()
			if ok {
				p.log.Info("stage loaded after failing", "api", apiID, "stage", stageName)
				return
			}
		}
	}()
}

// status reports what the data plane serves for a stage, for the stage's read-only status fields.
func (p *dataPlane) status(apiID, stageName string) (status, lastError string) {
	if p == nil {
		return "", ""
	}
	st, ok := p.StageStatus(apiID, stageName)
	if !ok {
		return "", ""
	}
	return st.Status, strings.Join(st.Problems, "; ")
}

// loadAll loads every stage at start.
func (p *dataPlane) loadAll(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reloadAll(ctx)
}

// reloadAll loads everything the store holds, and stops serving the stages it no longer holds. It
// reads the revision first: changes committed while it loads are applied again by the next catch-up,
// which is harmless. Must be called with mu held.
func (p *dataPlane) reloadAll(ctx context.Context) error {
	rev, err := p.svc.Revision(ctx)
	if err != nil {
		return err
	}
	if err := p.reloadMetering(ctx); err != nil {
		return err
	}
	stages, err := p.svc.AllStages(ctx)
	if err != nil {
		return err
	}
	live := map[[2]string]bool{}
	for _, st := range stages {
		live[[2]string{st.RestAPIID, st.StageName}] = true
		p.reload(ctx, st.RestAPIID, st.StageName)
	}
	for k := range p.loaded {
		if !live[k] {
			p.RemoveStage(k[0], k[1])
			delete(p.loaded, k)
		}
	}
	p.setApplied(rev)
	return nil
}
