package dataplane

import (
	"fmt"
	"hash/fnv"
	"maps"
	"net/http"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/message"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/router"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Canary releases. A stage with canary settings is published with a second compiled stage, the
// canary: the canary's deployment, with the stage's variables and the canary's overrides of them,
// whose metrics say canary="true" and whose access log lines name its deployment. Both are swapped in
// together, so a request sees the stage and its canary of one configuration.
//
// The split is made per request in the match step, before anything else runs: a request goes to the
// canary with probability percent_traffic/100, drawn from Options.Random (math/rand/v2's generator by
// default: a ChaCha8 stream per thread, seeded from the operating system, so draws are independent
// and unpredictable to callers). A request carrying the canary's sticky header or cookie goes where
// its value's hash says instead: fnv-1a of the API, the stage and the value, read as a point in
// [0, 100); the canary takes the values below percent_traffic, so raising it only moves more values
// to the canary. Requests without the header or cookie are split at random.
//
// The canary's methods are cached in the stage's cache only with use_stage_cache, under keys of the
// canary's deployment: the canary never serves an answer the stage's deployment made, nor the reverse.
// Throttling is shared: the canary's requests take from the stage's buckets.

// canary is a stage's canary, compiled.
type canary struct {
	st *stage
	// percent is percent_traffic, 0 to 100.
	percent                    float64
	stickyHeader, stickyCookie string
	useStageCache              bool
	// salt makes sticky hashes differ between stages, so one caller is not in every canary at once.
	salt string
}

// compileCanary compiles a stage's canary. A canary that cannot be compiled is returned failed: its
// share of the requests is answered 500 (fail closed), as a stage that cannot be compiled.
func (s *Server) compileCanary(st model.Stage, snap *model.Snapshot) *canary {
	c := st.CanarySettings
	cst := st
	cst.DeploymentID = c.DeploymentID
	cst.Variables = maps.Clone(st.Variables)
	if cst.Variables == nil {
		cst.Variables = map[string]string{}
	}
	maps.Copy(cst.Variables, c.StageVariableOverrides)
	if !c.UseStageCache {
		cst.CacheClusterEnabled = false
	}
	compiled, err := s.compile(cst, snap, true)
	if err != nil {
		err = fmt.Errorf("compiling the canary (deployment %s) of stage %s/%s: %w", c.DeploymentID, st.RestAPIID, st.StageName, err)
		s.opts.Logger.Error("canary failed: its share of the requests is answered 500 until it compiles", "api", st.RestAPIID,
			"stage", st.StageName, "deployment", c.DeploymentID, "err", err)
		compiled = &stage{apiID: st.RestAPIID, name: st.StageName, deploymentID: c.DeploymentID, table: router.New[*endpoint](),
			failed: err, isCanary: true, unmatched: s.metrics.RouteOf(st.RestAPIID, st.StageName, "", "", true),
			live: s.live.Stage(st.RestAPIID, st.StageName)}
	} else if len(compiled.problems) > 0 {
		s.opts.Logger.Warn("canary has misconfigured methods, which answer 500", "api", st.RestAPIID, "stage", st.StageName,
			"deployment", c.DeploymentID, "problems", compiled.problems)
	}
	return &canary{st: compiled, percent: c.PercentTraffic, stickyHeader: http.CanonicalHeaderKey(c.StickyHeader),
		stickyCookie: c.StickyCookie, useStageCache: c.UseStageCache, salt: st.RestAPIID + "/" + st.StageName}
}

// attachCache gives the canary the stage's cache when it uses it. The caller holds s.mu.
func (c *canary) attachCache(primary *stage) {
	if c != nil && c.useStageCache {
		c.st.cache = primary.cache
	}
}

// problems are the canary's, for the stage's status: its methods that answer 500, or why it failed.
func (c *canary) problems() []string {
	switch {
	case c == nil:
		return nil
	case c.st.failed != nil:
		return []string{c.st.failed.Error()}
	}
	out := make([]string, len(c.st.problems))
	for i, p := range c.st.problems {
		out[i] = "canary (deployment " + c.st.deploymentID + "): " + p
	}
	return out
}

// pick returns the compiled stage that serves req: st, or its canary.
func (s *Server) pick(st *stage, req *message.Request) *stage {
	c := st.canary
	if c == nil || c.percent <= 0 {
		return st
	}
	if c.percent >= 100 {
		return c.st
	}
	if v, ok := c.stickyValue(req); ok {
		if stickyPoint(c.salt, v) < c.percent {
			return c.st
		}
		return st
	}
	if s.opts.Random()*100 < c.percent {
		return c.st
	}
	return st
}

// stickyValue returns the value of the canary's sticky header or cookie in req, if it has one.
func (c *canary) stickyValue(req *message.Request) (string, bool) {
	switch {
	case c.stickyHeader != "":
		if vv := req.Header[c.stickyHeader]; len(vv) > 0 && vv[0] != "" {
			return vv[0], true
		}
	case c.stickyCookie != "":
		for _, line := range req.Header["Cookie"] {
			cookies, err := http.ParseCookie(line)
			if err != nil {
				continue
			}
			for _, ck := range cookies {
				if ck.Name == c.stickyCookie && ck.Value != "" {
					return ck.Value, true
				}
			}
		}
	}
	return "", false
}

// stickyPoint maps a sticky value to a point of [0, 100) with a resolution of 0.0001 percent.
func stickyPoint(salt, value string) float64 {
	h := fnv.New64a()
	h.Write([]byte(salt))
	h.Write([]byte{0})
	h.Write([]byte(value))
	return float64(h.Sum64()%1_000_000) / 10_000
}
