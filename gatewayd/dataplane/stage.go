package dataplane

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/accesslog"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/integration"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/router"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/telemetry"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/throttle"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/validate"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model/schema"
)

// apiMap maps API id, then stage name, to a live stage. It is never modified once published.
type apiMap map[string]map[string]*stage

// stage is a compiled, immutable stage: its deployment's routing table with the stage's variables
// resolved into every integration.
type stage struct {
	apiID, name  string
	deploymentID string
	table        *router.Table[*endpoint]
	// unmatched counts requests for routes the stage does not have.
	unmatched *telemetry.Route
	// live sums every answer of the stage, its canary's too, for the web console.
	live *telemetry.Live
	// cache is the stage's response cache, nil when off. It is shared with the stage this one
	// replaced when the cache stayed on at the same size.
	cache *stageCache
	// failed, when set, is why the stage could not be compiled at all: it then answers 500 to every
	// request (fail closed) rather than go on serving an older, possibly more permissive table.
	failed error
	// problems lists the methods that answer 500 because they are misconfigured.
	problems []string
	// vars are the stage's variables; auth holds its compiled authorizers and the API's resource policy.
	vars map[string]string
	auth *authorize.Stage
	// responses are the API's gateway responses, nil when it customizes none.
	responses gatewayResponses
	// canary, when set, takes a share of the stage's requests (canary.go); isCanary marks the stage
	// compiled for a canary's deployment.
	canary   *canary
	isCanary bool
	// compress is set when the API has a minimum_compression_size: minCompression, the smallest
	// answer body compressed.
	compress       bool
	minCompression int
	// executeAPIDisabled makes /{api_id}/{stage} answer 403 (the API's disable_execute_api_endpoint).
	executeAPIDisabled bool
	// accessLog writes the stage's access log (accesslog.go); nil when it has none. execSink is its
	// execution log's destination, when a method has one (execlog.go).
	accessLog *stageAccessLog
	execSink  *accesslog.Sink
}

// endpoint is one method of a stage, ready to serve.
type endpoint struct {
	resourceID   string
	resourcePath string
	verb         string
	policy       *authorize.Policy
	// validator checks required parameters and the body before the integration; nil checks nothing.
	validator   *validate.Validator
	integration *integration.Integration
	// misconfigured, when set, is why this method cannot serve (no integration, one that does not
	// compile, or another method of the same route): it answers 500 while the rest of the stage serves
	// on, as a half-applied configuration (an auto-deployed method whose integration is not created
	// yet) must not take the stage down.
	misconfigured error
	metrics       *telemetry.Route
	// planPath is the method as usage plans name it ("/pets/{petId}/GET"); planWildcard is its
	// resource with any verb ("/pets/{petId}/*").
	planPath, planWildcard string
	// stageLevels are the buckets every caller of the method meets: stage method settings, stage
	// default, account.
	stageLevels []throttle.Level
	// cache is the method's cache policy, nil when the method is not cached.
	cache *cachePolicy
	// execLog is the method's execution log, nil when it has none.
	execLog *execLogPolicy
}

// Stage statuses, as StageStatus reports them.
const (
	// StageAvailable: every method of the stage can serve.
	StageAvailable = "AVAILABLE"
	// StageDegraded: some methods are misconfigured and answer 500; the others serve.
	StageDegraded = "DEGRADED"
	// StageFailed: the stage could not be compiled and answers 500 to every request.
	StageFailed = "FAILED"
)

// StageStatus is what the data plane serves for a stage.
type StageStatus struct {
	// Status is StageAvailable, StageDegraded or StageFailed.
	Status string
	// DeploymentID is the deployment being served; empty when the stage failed before one compiled.
	DeploymentID string
	// Problems says why, one entry per misconfigured method, or the reason the stage failed.
	Problems []string
}

func (st *stage) status() StageStatus {
	problems := append(st.problems[:len(st.problems):len(st.problems)], st.canary.problems()...)
	switch {
	case st.failed != nil:
		return StageStatus{Status: StageFailed, DeploymentID: st.deploymentID, Problems: []string{st.failed.Error()}}
	case len(problems) > 0:
		return StageStatus{Status: StageDegraded, DeploymentID: st.deploymentID, Problems: problems}
	}
	return StageStatus{Status: StageAvailable, DeploymentID: st.deploymentID}
}

// StageStatus reports what the data plane serves for a stage; ok is false when it serves no such stage.
func (s *Server) StageStatus(apiID, stageName string) (status StageStatus, ok bool) {
	st := (*s.apis.Load())[apiID][stageName]
	if st == nil {
		return StageStatus{}, false
	}
	return st.status(), true
}

// FailedStages names the stages that answer 500 to every request, as "API_ID/STAGE: reason".
func (s *Server) FailedStages() []string {
	var out []string
	for apiID, stages := range *s.apis.Load() {
		for name, st := range stages {
			if st.failed != nil {
				out = append(out, apiID+"/"+name+": "+st.failed.Error())
			}
		}
	}
	slices.Sort(out)
	return out
}

// SetStage compiles the stage's deployment snapshot aside and swaps it in. Requests in flight finish on
// the table they started with. A snapshot that does not compile is an error, and the stage then fails
// closed (FailStage): a change that could not be applied may have been the one that protects a method.
func (s *Server) SetStage(st model.Stage, snap *model.Snapshot) error {
	return s.SetStageWithCanary(st, snap, nil)
}

// SetStageWithCanary is SetStage for a stage that may have a canary: canarySnap is the snapshot of
// st.CanarySettings' deployment (nil when the stage has no canary). The stage and its canary are
// swapped in together. A canary that does not compile answers 500 to its share of the requests (fail
// closed) and makes the stage DEGRADED; the stage's own deployment serves the rest.
func (s *Server) SetStageWithCanary(st model.Stage, snap, canarySnap *model.Snapshot) error {
	compiled, err := s.compile(st, snap, false)
	if err != nil {
		err = fmt.Errorf("compiling stage %s/%s: %w", st.RestAPIID, st.StageName, err)
		al, _ := s.compileAccessLog(st) // a stage that fails still logs its 500s
		s.failStage(st.RestAPIID, st.StageName, err, al)
		return err
	}
	if st.CanarySettings != nil {
		compiled.canary = s.compileCanary(st, canarySnap)
	}
	if len(compiled.problems) > 0 {
		s.opts.Logger.Warn("stage has misconfigured methods, which answer 500", "api", st.RestAPIID, "stage", st.StageName,
			"deployment", st.DeploymentID, "problems", compiled.problems)
	}
	s.publish(compiled, &st)
	return nil
}

// FailStage makes a stage answer 500 to every request, because what it should serve cannot be loaded
// or compiled (cause). The next SetStage that succeeds replaces it.
func (s *Server) FailStage(apiID, stageName string, cause error) {
	s.failStage(apiID, stageName, cause, nil)
}

func (s *Server) failStage(apiID, stageName string, cause error, al *stageAccessLog) {
	s.opts.Logger.Error("stage failed: it answers 500 to every request until it compiles", "api", apiID, "stage", stageName, "err", cause)
	s.publish(&stage{apiID: apiID, name: stageName, table: router.New[*endpoint](), failed: cause,
		unmatched: s.metrics.Route(apiID, stageName, "", ""), accessLog: al}, nil)
}

// publish swaps compiled in; st, when not nil, carries the cache settings to attach.
func (s *Server) publish(compiled *stage, st *model.Stage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if compiled.live == nil { // a failed stage's answers count too
		compiled.live = s.live.Stage(compiled.apiID, compiled.name)
	}
	old := *s.apis.Load()
	if st != nil {
		s.attachCache(compiled, old[compiled.apiID][compiled.name], *st)
		if prev := old[compiled.apiID][compiled.name]; prev != nil {
			compiled.auth.Adopt(prev.auth)
		}
		if prev := old[compiled.apiID][compiled.name]; prev != nil && prev.canary != nil && compiled.canary != nil {
			compiled.canary.st.auth.Adopt(prev.canary.st.auth)
		}
		compiled.canary.attachCache(compiled)
	}
	next := maps.Clone(old)
	stages := maps.Clone(old[compiled.apiID])
	if stages == nil {
		stages = map[string]*stage{}
	}
	stages[compiled.name] = compiled
	next[compiled.apiID] = stages
	s.apis.Store(&next)
	s.metrics.StageStatus(compiled.apiID, compiled.name, compiled.failed != nil, len(compiled.problems)+len(compiled.canary.problems()))
	s.retainSinks()
}

// RemoveStage stops serving a stage; requests in flight on it finish.
func (s *Server) RemoveStage(apiID, stageName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := *s.apis.Load()
	if _, ok := old[apiID][stageName]; !ok {
		return
	}
	next := maps.Clone(old)
	stages := maps.Clone(old[apiID])
	delete(stages, stageName)
	s.live.Forget(apiID, stageName)
	s.memos.forget(apiID, stageName)
	if len(stages) == 0 {
		delete(next, apiID)
	} else {
		next[apiID] = stages
	}
	s.apis.Store(&next)
	s.metrics.Forget(apiID, stageName)
	s.retainSinks()
}

// compile compiles a stage's deployment; isCanary compiles it as the stage's canary, whose metrics
// carry canary="true".
func (s *Server) compile(st model.Stage, snap *model.Snapshot, isCanary bool) (*stage, error) {
	if snap == nil {
		return nil, fmt.Errorf("no snapshot")
	}
	if st.RestAPIID == "" || st.StageName == "" {
		return nil, fmt.Errorf("stage needs a rest_api_id and a stage_name")
	}
	if snap.RestAPI.ID != "" && snap.RestAPI.ID != st.RestAPIID {
		return nil, fmt.Errorf("snapshot is of API %q", snap.RestAPI.ID)
	}
	validators := make(map[string]model.RequestValidator, len(snap.RequestValidators))
	for _, rv := range snap.RequestValidators {
		validators[rv.ID] = rv
	}
	// The deployment's models, compiled once for all its methods; compiled only when one validates.
	var models *schema.Set
	var modelsErr error
	modelsCompiled := false
	compiled := &stage{
		apiID:        st.RestAPIID,
		name:         st.StageName,
		deploymentID: st.DeploymentID,
		table:        router.New[*endpoint](),
		unmatched:    s.metrics.RouteOf(st.RestAPIID, st.StageName, "", "", isCanary),
		live:         s.live.Stage(st.RestAPIID, st.StageName),
		isCanary:     isCanary,
		vars:         st.Variables,
	}
	compiled.executeAPIDisabled = snap.RestAPI.DisableExecuteAPIEndpoint
	if n := snap.RestAPI.MinimumCompressionSize; n != nil {
		compiled.compress, compiled.minCompression = true, *n
	}
	var err error
	api := snap.RestAPI
	api.ID = st.RestAPIID
	// prev, when set, compiled this stage from the same shared inputs: its authorizers and the
	// endpoints of the parts that did not change are reused (compilememo.go).
	prev, next := s.memos.begin(st, snap, isCanary)
	if prev != nil {
		compiled.auth = prev.auth
	} else if compiled.auth, err = authorize.CompileStage(api, st.StageName, snap.Authorizers, st.Variables, s.authOpts); err != nil {
		return nil, err
	}
	if next != nil {
		next.auth = compiled.auth
	}
	if compiled.responses, err = compileGatewayResponses(snap.GatewayResponses, st.Variables); err != nil {
		return nil, err
	}
	clientCert, err := integration.CompileClientCertificate(st.ClientCertificateID, st.ClientCertificate)
	if err != nil {
		return nil, err
	}
	// Settings the admin API refused could only come from an older store: the stage serves without
	// an access log and says why in its status.
	if compiled.accessLog, err = s.compileAccessLog(st); err != nil {
		compiled.problems = append(compiled.problems, err.Error())
	}
	// compileMethods compiles the methods of part (the whole snapshot, or one of its parts).
	compileMethods := func(part *model.Snapshot) ([]*endpoint, error) {
		resources := make(map[string]model.Resource, len(part.Resources))
		for _, r := range part.Resources {
			resources[r.ID] = r
		}
		integrations := make(map[string]model.Integration, len(part.Integrations))
		for _, in := range part.Integrations {
			integrations[model.MethodKey(in.ResourceID, in.HTTPMethod)] = in
		}
		responses := map[string][]model.IntegrationResponse{}
		for _, ir := range part.IntegrationResponses {
			k := model.MethodKey(ir.ResourceID, ir.HTTPMethod)
			responses[k] = append(responses[k], ir)
		}
		eps := make([]*endpoint, 0, len(part.Methods))
		for _, m := range part.Methods {
			res, ok := resources[m.ResourceID]
			if !ok {
				return nil, fmt.Errorf("method %s on unknown resource %q", m.HTTPMethod, m.ResourceID)
			}
			path, err := resourcePath(res, resources)
			if err != nil {
				return nil, err
			}
			key := model.MethodKey(m.ResourceID, m.HTTPMethod)
			mres, mverb := metricLabels(st, path, m.HTTPMethod)
			ep := &endpoint{
				resourceID:   res.ID,
				resourcePath: path,
				verb:         m.HTTPMethod,
				metrics:      s.metrics.RouteOf(st.RestAPIID, st.StageName, mres, mverb, isCanary),
				planPath:     strings.TrimSuffix(path, "/") + "/" + m.HTTPMethod,
				planWildcard: strings.TrimSuffix(path, "/") + "/*",
				stageLevels:  s.stageLevels(st, path, m.HTTPMethod),
			}
			ep.execLog = s.compileExecLog(st, path, m.HTTPMethod)
			ep.policy, ep.misconfigured = authorize.Compile(m, compiled.auth)
			if m.RequestValidatorID != "" && len(m.RequestModels) > 0 && !modelsCompiled {
				models, modelsErr = schema.Compile(snap.RestAPI.ID, snap.Models)
				modelsCompiled = true
			}
			// A method whose authorization cannot be compiled answers 500, whatever else it has.
			if ep.misconfigured != nil {
				ep.misconfigured = fmt.Errorf("method %s %s: authorization: %w", m.HTTPMethod, path, ep.misconfigured)
			} else if ep.validator, err = validate.Compile(m, validators, models); err != nil {
				if modelsErr != nil {
					err = fmt.Errorf("%w (the deployment's models do not compile: %v)", err, modelsErr)
				}
				ep.misconfigured = fmt.Errorf("method %s %s: request validation: %w", m.HTTPMethod, path, err)
			} else if in, ok := integrations[key]; !ok {
				ep.misconfigured = fmt.Errorf("method %s %s has no integration", m.HTTPMethod, path)
			} else {
				ep.integration, err = integration.Compile(integration.Spec{
					API:               snap.RestAPI,
					Integration:       in,
					Responses:         responses[key],
					StageVars:         st.Variables,
					AWS:               s.opts.AWS,
					VPCLinks:          s.vpcLinks,
					ClientCertificate: clientCert,
				}, s.client)
				if err != nil {
					ep.misconfigured = fmt.Errorf("method %s %s: %w", m.HTTPMethod, path, err)
				} else if st.CacheClusterEnabled {
					ep.cache = s.compileCachePolicy(st, in, path, m.HTTPMethod, isCanary)
				}
			}
			eps = append(eps, ep)
		}
		return eps, nil
	}
	// The parts compiled now, and the names of the parts of the last compile that are gone.
	var added []partEndpoints
	var removed []partEndpoints
	if next == nil {
		eps, err := compileMethods(snap)
		if err != nil {
			return nil, err
		}
		added = append(added, partEndpoints{eps: eps})
	} else {
		var base *groupMemo
		if prev != nil {
			base = prev.top
		}
		// The top of the tree has no hash: its groups are always looked at.
		if next.top, err = diffGroup(base, &model.SnapshotGroup{Groups: snap.Groups}, compileMethods, &added, &removed); err != nil {
			return nil, err
		}
	}
	var base *routeState
	if prev != nil {
		base = prev.routes
	}
	routes, err := base.update(removed, added)
	if err != nil {
		return nil, err
	}
	compiled.table, compiled.execSink = routes.table, routes.execSink
	compiled.problems = append(compiled.problems, routes.problemList()...)
	if next != nil {
		next.routes = routes
	}
	s.memos.store(st, isCanary, next)
	return compiled, nil
}

// stageLevels resolves the stage's method settings for one method into its shared buckets. A method
// path's settings ("pets/{petId}/GET", or "pets/{petId}/*" for every verb) make a bucket of its own;
// "*/*" is one bucket for the whole stage; a value left at -1 is inherited from "*/*", then from the
// account.
func (s *Server) stageLevels(st model.Stage, path, verb string) []throttle.Level {
	account := *s.account.Load()
	since := s.opts.Now()
	levels := make([]throttle.Level, 0, 3)
	def, hasDef := st.MethodSettings["*/*"]
	hasDef = hasDef && (def.ThrottlingRateLimit >= 0 || def.ThrottlingBurstLimit >= 0)
	inherited := account
	if hasDef {
		inherited = resolve(def, account)
	}
	resource := strings.TrimPrefix(path, "/")
	for _, mp := range []string{resource + "/" + verb, resource + "/*"} {
		ms, ok := st.MethodSettings[mp]
		if ok && (ms.ThrottlingRateLimit >= 0 || ms.ThrottlingBurstLimit >= 0) {
			levels = append(levels, throttle.Level{Since: since, Limit: resolve(ms, inherited), ID: throttle.ID{
				Scope: throttle.ScopeStageMethod, API: st.RestAPIID, Stage: st.StageName, Method: mp}})
			break
		}
	}
	if hasDef {
		// As in API Gateway, the stage default ("*/*") limits each method on its own: a busy method
		// cannot use up the stage's other methods' allowance.
		levels = append(levels, throttle.Level{Since: since, Limit: inherited, ID: throttle.ID{
			Scope: throttle.ScopeStageDefault, API: st.RestAPIID, Stage: st.StageName, Method: resource + "/" + verb}})
	}
	return append(levels, throttle.Level{Since: since, Limit: account, ID: throttle.ID{Scope: throttle.ScopeAccount}})
}

// resolve fills the values a method setting leaves at -1 from parent.
func resolve(ms model.MethodSetting, parent throttle.Limit) throttle.Limit {
	l := parent
	if ms.ThrottlingRateLimit >= 0 {
		l.Rate = ms.ThrottlingRateLimit
	}
	if ms.ThrottlingBurstLimit >= 0 {
		l.Burst = ms.ThrottlingBurstLimit
	}
	return l
}

// resourcePath returns the resource's path, building it from its parents when the snapshot left it out.
func resourcePath(r model.Resource, all map[string]model.Resource) (string, error) {
	if r.Path != "" {
		return r.Path, nil
	}
	path := ""
	for range len(all) + 1 {
		if r.ParentID == "" {
			if path == "" {
				return "/", nil
			}
			return path, nil
		}
		path = "/" + r.PathPart + path
		parent, ok := all[r.ParentID]
		if !ok {
			return "", fmt.Errorf("resource %q has unknown parent %q", r.ID, r.ParentID)
		}
		r = parent
	}
	return "", fmt.Errorf("resource %q: parent cycle", r.ID)
}
