// Package authorize decides whether a matched method may be called. API keys are checked here;
// authorizers come in later, and until then every method that asks for one fails closed.
package authorize

import (
	"errors"
	"fmt"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/apikey"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/message"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/usageplan"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// APIKeyHeader carries the API key, in its canonical form.
const APIKeyHeader = "X-Api-Key"

// Policy is a method's compiled authorization.
type Policy struct {
	// refusal is why every request is refused; nil lets requests through.
	refusal        error
	apiKeyRequired bool
}

// Compile reads a method's authorization settings.
func Compile(m model.Method) *Policy {
	p := &Policy{apiKeyRequired: m.APIKeyRequired}
	if m.Authorization != "" && m.Authorization != model.AuthNone {
		p.refusal = fmt.Errorf("method %s uses %s authorization, which this gateway does not support yet", m.HTTPMethod, m.Authorization)
	}
	return p
}

// APIKeyRequired reports whether callers must present an API key.
func (p *Policy) APIKeyRequired() bool { return p.apiKeyRequired }

// Caller is who a request comes from, when the method requires an API key: the key, and the usage
// plan that covers the stage for it.
type Caller struct {
	Key       *apikey.Key
	Plan      *usageplan.Plan
	PlanStage *usageplan.Stage
}

// Refusals, for the log only: the caller always sees "Forbidden".
var (
	errNoKey       = errors.New("no x-api-key header")
	errUnknownKey  = errors.New("unknown api key")
	errNoPlanStage = errors.New("api key is in no usage plan of this stage")
)

// Check returns a 403 gwerror for a request the policy refuses. For a method that requires an API key
// it returns the caller, found in keys.
func (p *Policy) Check(req *message.Request, keys *apikey.Keyring, apiID, stage string) (Caller, error) {
	if p.refusal != nil {
		return Caller{}, gwerror.Forbidden(p.refusal)
	}
	if !p.apiKeyRequired {
		return Caller{}, nil
	}
	values := req.Header[APIKeyHeader]
	if len(values) == 0 || values[0] == "" {
		return Caller{}, gwerror.Forbidden(errNoKey)
	}
	k := keys.Lookup(values[0])
	if k == nil {
		return Caller{}, gwerror.Forbidden(errUnknownKey)
	}
	if !k.Enabled {
		return Caller{}, gwerror.Forbidden(fmt.Errorf("api key %s is disabled", k.ID))
	}
	plan, ps := k.Plan(apiID, stage)
	if plan == nil {
		return Caller{}, gwerror.Forbidden(fmt.Errorf("api key %s: %w", k.ID, errNoPlanStage))
	}
	return Caller{Key: k, Plan: plan, PlanStage: ps}, nil
}
