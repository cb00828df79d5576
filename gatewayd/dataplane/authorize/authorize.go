// Package authorize decides whether a matched method may be called. Authorizers and API keys come in
// later; until then every method that asks for either fails closed.
package authorize

import (
	"fmt"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/message"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Policy is a method's compiled authorization.
type Policy struct {
	// refusal is why every request is refused; nil lets requests through.
	refusal error
}

// Compile reads a method's authorization settings.
func Compile(m model.Method) *Policy {
	switch {
	case m.APIKeyRequired:
		return &Policy{refusal: fmt.Errorf("method %s requires an API key, which this gateway does not check yet", m.HTTPMethod)}
	case m.Authorization != "" && m.Authorization != model.AuthNone:
		return &Policy{refusal: fmt.Errorf("method %s uses %s authorization, which this gateway does not support yet", m.HTTPMethod, m.Authorization)}
	}
	return &Policy{}
}

// Check returns a 403 gwerror for a request the policy refuses.
func (p *Policy) Check(req *message.Request) error {
	if p.refusal != nil {
		return gwerror.Forbidden(p.refusal)
	}
	return nil
}
