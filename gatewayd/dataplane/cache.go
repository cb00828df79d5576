package dataplane

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/cache"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/telemetry"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Response headers of the cache step. X-Cache tells a caller of a cached method whether its answer
// came from the cache ("Hit", which includes waiting for another request's backend call) or from a
// backend call it made ("Miss", which includes a refresh). X-Cache-Invalidation: denied answers a
// Cache-Control: max-age=0 that the caller was not allowed to send, under the
// SUCCEED_WITH_RESPONSE_HEADER strategy.
const (
	CacheHeader             = "X-Cache"
	CacheInvalidationHeader = "X-Cache-Invalidation"
)

// Shared header values: writing them allocates nothing, and nobody modifies them.
var (
	cacheHit           = []string{"Hit"}
	cacheMiss          = []string{"Miss"}
	invalidationDenied = []string{"denied"}
)

// DefaultCacheMaxBytes caps every stage cache when Options.CacheMaxBytes is not set: 256 MiB.
const DefaultCacheMaxBytes = 256 << 20

// defaultCacheTTL is API Gateway's TTL when no method setting names one.
const defaultCacheTTL = 300 * time.Second

// Strategies for a Cache-Control: max-age=0 from a caller who may not invalidate.
const (
	strategyFail          = "FAIL_WITH_403"
	strategyWithHeader    = "SUCCEED_WITH_RESPONSE_HEADER"
	strategyWithoutHeader = "SUCCEED_WITHOUT_RESPONSE_HEADER"
)

var errCacheControl = errors.New("cache-control max-age=0 from a caller not authorized to invalidate the cache")

// cachePolicy is one method's compiled cache decision; an endpoint whose method is not cached has
// none.
type cachePolicy struct {
	ttl time.Duration
	// params are the integration's cache_key_parameters. When there are none, key is the method's one
	// key, built at compile time, so a hit builds nothing.
	params  []string
	key     string
	stageID string
	// keyPath stands for the method in the key: its resource path, or the integration's
	// cache_namespace, which integrations set alike to share entries (API Gateway's rule).
	keyPath string
	// requireAuth and strategy are require_authorization_for_cache_control and
	// unauthorized_cache_control_header_strategy.
	requireAuth bool
	strategy    string
	metrics     *telemetry.CacheRoute
	// onlyGet limits an ANY method's policy to its GET requests.
	onlyGet bool
}

// compileCachePolicy decides whether the method verb on path is cached and how. A GET is cached
// unless the method settings that apply to it ("path/GET", else "path/*", else "*/*") turn caching
// off; any other verb only when its own "path/VERB" entry turns it on, so that a stage-wide setting
// never caches a POST. A TTL of 0 turns caching off.
//
// An ANY method caches its GET requests only, as if it were a GET method (onlyGet).
func (s *Server) compileCachePolicy(st model.Stage, in model.Integration, path, verb string, isCanary bool) *cachePolicy {
	onlyGet := verb == "ANY"
	if onlyGet {
		verb = http.MethodGet
	}
	resource := strings.TrimPrefix(path, "/")
	ms, own := st.MethodSettings[resource+"/"+verb]
	found := own
	if !found {
		ms, found = st.MethodSettings[resource+"/*"]
	}
	if !found {
		ms, found = st.MethodSettings["*/*"]
	}
	if !found {
		ms = model.DefaultMethodSetting()
	}
	switch {
	case own && !ms.CachingEnabled:
		return nil
	case !own && (verb != http.MethodGet || found && !ms.CachingEnabled):
		return nil
	}
	ttl := time.Duration(ms.CacheTTLInSeconds) * time.Second
	if !found {
		ttl = defaultCacheTTL
	}
	if ttl <= 0 {
		return nil
	}
	p := &cachePolicy{
		ttl: ttl,
		// The deployment is part of the key: the stage's cache outlives a redeploy, but a new
		// deployment must never serve an answer of the old one.
		stageID:     st.RestAPIID + "/" + st.StageName + "/" + st.DeploymentID,
		params:      in.CacheKeyParameters,
		keyPath:     path,
		requireAuth: ms.RequireAuthorizationForCacheControl,
		strategy:    ms.UnauthorizedCacheControlHeaderStrategy,
		metrics:     s.cacheMetrics(st, path, verb, isCanary),
		onlyGet:     onlyGet,
	}
	if p.strategy == "" {
		p.strategy = strategyWithHeader
	}
	if in.CacheNamespace != "" {
		p.keyPath = "namespace:" + in.CacheNamespace // paths start with "/": never the same key
	}
	if len(p.params) == 0 {
		p.key = cache.Key(p.stageID, verb, p.keyPath, nil)
	}
	return p
}

// stageCache is a stage's cache with the size it was made for, so that a recompile of the stage with
// the same size keeps its entries.
type stageCache struct {
	*cache.Cache
	size string
}

// attachCache gives compiled the cache it should have, given the stage it replaces (nil if none): the
// old one when the cache stays on at the same size, a new one when it is turned on or resized (a
// resize loses the contents, as in API Gateway), none when it is off. The caller holds s.mu.
func (s *Server) attachCache(compiled, old *stage, st model.Stage) {
	if !st.CacheClusterEnabled {
		return
	}
	size := st.CacheClusterSize
	if size == "" {
		size = "0.5"
	}
	if old != nil && old.cache != nil && old.cache.size == size {
		compiled.cache = old.cache
		return
	}
	budget := cache.BudgetBytes(size, s.opts.CacheMaxBytes)
	var store cache.Store
	if s.opts.CacheStore != nil {
		store = s.opts.CacheStore(compiled.apiID, compiled.name, size, budget)
	} else {
		store = cache.NewMemory(budget, cache.Options{Now: s.opts.Now})
	}
	compiled.cache = &stageCache{Cache: cache.New(store), size: size}
	if old != nil && old.cache == nil {
		// Turned on again: a store shared between nodes may still hold what it stored before it was
		// turned off, which API Gateway would have deleted with the cache.
		compiled.cache.Flush()
	}
}

// FlushCache empties a stage's cache, as API Gateway's FlushStageCache does. A stage that is not
// served or has no cache has nothing to flush.
func (s *Server) FlushCache(apiID, stageName string) { s.FlushCacheAt(apiID, stageName, 0) }

// FlushCacheAt is FlushCache for the flush made by configuration revision rev, which every node
// applies: a cache shared between nodes is emptied once for it (see cache.Cache.FlushAt).
func (s *Server) FlushCacheAt(apiID, stageName string, rev int64) {
	if st := (*s.apis.Load())[apiID][stageName]; st != nil && st.cache != nil {
		st.cache.FlushAt(rev)
	}
}

// cached answers a cached method from the stage cache, calling the integration on a miss; it does
// nothing for other methods, which the integrate step then serves. It runs after authorize and
// throttle, so a cached answer still counts against throttles and quotas.
//
// Cache-Control: max-age=0 refreshes the entry when require_authorization_for_cache_control is off,
// or when the caller is authorized: one who passed an authorizer, IAM or the method's API key check.
// Other callers get the strategy.
func (s *Server) cached(ctx context.Context, ex *exchange) error {
	p := ex.ep.cache
	sc := ex.stage.cache
	if p == nil || sc == nil || p.onlyGet && ex.req.Method != http.MethodGet {
		return nil
	}
	key := p.key
	if key == "" {
		params := cache.AppendParams(ex.keyParams[:0], p.params, cache.Request{
			PathNames: ex.paramNames, PathValues: ex.params, Query: ex.query(), Header: ex.req.Header,
		})
		key = string(cache.AppendKey(ex.keyBuf[:0], p.stageID, ex.req.Method, p.keyPath, params))
	}
	refresh := false
	if maxAgeZero(ex.req.Header) {
		switch {
		case !p.requireAuth || ex.caller.Authorized:
			refresh = true
		case p.strategy == strategyFail:
			return gwerror.Forbidden(errCacheControl)
		case p.strategy == strategyWithHeader:
			ex.cacheInvalidation = invalidationDenied
		}
	}
	if !refresh {
		if e, ok := sc.Store().Get(key); ok {
			p.metrics.Hit()
			ex.cacheStatus = cacheHit
			ex.fromCache(e)
			return nil
		}
	}

	// The fill may outlive this request (another request may still wait for it), so it works on its
	// own copy of what the integration reads, never on the pooled exchange.
	fx := ex.detach()
	fill := func(ctx context.Context) (*cache.Entry, bool, error) {
		if err := s.integrate(ctx, fx); err != nil {
			return nil, false, err
		}
		r := fx.resp
		return &cache.Entry{Status: r.Status, Header: r.Header, Body: r.Body}, r.Status >= 200 && r.Status < 300, nil
	}
	var e *cache.Entry
	var err error
	out := cache.Refresh
	if refresh {
		e, err = sc.Refresh(ctx, key, p.ttl, fill)
	} else {
		e, out, err = sc.GetOrFill(ctx, key, p.ttl, fill)
	}
	// Hit: the entry was stored between the lookup before this and GetOrFill's own.
	if out == cache.Shared || out == cache.Hit {
		p.metrics.Hit()
		ex.cacheStatus = cacheHit
	} else {
		p.metrics.Miss()
		ex.cacheStatus = cacheMiss
		// Read only once the fill is over: with ctx still live, GetOrFill returned because it was.
		if ctx.Err() == nil {
			ex.integration = fx.integration
		}
	}
	if err != nil {
		return err
	}
	ex.fromCache(e)
	return nil
}

// detach copies what the integrate step reads into a new exchange.
func (ex *exchange) detach() *exchange {
	fx := &exchange{req: ex.req, stage: ex.stage, ep: ex.ep, paramNames: ex.paramNames, integration: -1,
		mctx: ex.mctx, caller: ex.caller}
	fx.req.Header = ex.req.Header.Clone()
	// The fasthttp front end lends the body only until its handler returns.
	fx.req.Body = bytes.Clone(ex.req.Body)
	fx.params = append(fx.paramBuf[:0], ex.params...)
	return fx
}

// fromCache answers with e without allocating. e is shared by every reader of its key and is only read.
func (ex *exchange) fromCache(e *cache.Entry) {
	ex.respBuf.Status, ex.respBuf.Header, ex.respBuf.Body = e.Status, e.Header, e.Body
	ex.resp = &ex.respBuf
}

// query parses the query string for cache key parameters, once per request.
func (ex *exchange) query() map[string][]string {
	if ex.req.RawQuery == "" {
		return nil
	}
	q, _ := url.ParseQuery(ex.req.RawQuery)
	return q
}

// maxAgeZero reports whether h carries Cache-Control: max-age=0, the caller's request to refresh.
func maxAgeZero(h http.Header) bool {
	for _, v := range h["Cache-Control"] {
		for v != "" {
			var d string
			d, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.TrimSpace(d), "max-age=0") {
				return true
			}
		}
	}
	return false
}
