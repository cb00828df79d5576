// Package usageplan compiles usage plans for the data plane: which stages a plan covers, and the
// throttle and quota it puts on each API key attached to it.
package usageplan

import (
	"fmt"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/throttle"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Plan is a compiled usage plan. It is immutable.
type Plan struct {
	ID string
	// Throttle is the plan's per-key bucket; nil for none.
	Throttle *throttle.Limit
	// Quota is the plan's per-key quota; nil for none.
	Quota *model.QuotaSettings
	// Since is when the plan was compiled: its limits apply from then.
	Since time.Time
	// stages maps API id, then stage name, to the stage's settings in the plan.
	stages map[string]map[string]*Stage
}

// Stage is a plan's settings for one stage of an API.
type Stage struct {
	// methods maps "/resource/path/VERB" to the plan's per-key limit for that method.
	methods map[string]throttle.Limit
}

// Compile compiles one plan, whose limits apply from since.
func Compile(p model.UsagePlan, since time.Time) (*Plan, error) {
	c := &Plan{ID: p.ID, Since: since, stages: map[string]map[string]*Stage{}}
	if p.ID == "" {
		return nil, fmt.Errorf("usage plan without an id")
	}
	if p.Throttle != nil {
		c.Throttle = &throttle.Limit{Rate: p.Throttle.RateLimit, Burst: p.Throttle.BurstLimit}
	}
	if p.Quota != nil {
		q := *p.Quota
		c.Quota = &q
	}
	for _, s := range p.APIStages {
		st := &Stage{methods: make(map[string]throttle.Limit, len(s.Throttle))}
		for _, t := range s.Throttle {
			st.methods[t.Path] = throttle.Limit{Rate: t.RateLimit, Burst: t.BurstLimit}
		}
		if c.stages[s.APIID] == nil {
			c.stages[s.APIID] = map[string]*Stage{}
		}
		c.stages[s.APIID][s.Stage] = st
	}
	return c, nil
}

// Stage returns the plan's settings for a stage, or nil when the plan does not cover it.
func (p *Plan) Stage(apiID, stage string) *Stage { return p.stages[apiID][stage] }

// Method returns the plan's per-method limit for "/resource/path/VERB", trying the path's "/*"
// wildcard when the verb has none.
func (s *Stage) Method(path, wildcard string) (throttle.Limit, bool) {
	if len(s.methods) == 0 {
		return throttle.Limit{}, false
	}
	if l, ok := s.methods[path]; ok {
		return l, true
	}
	l, ok := s.methods[wildcard]
	return l, ok
}
