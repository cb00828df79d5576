package authorize

import (
	"fmt"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/iampolicy"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// IAM is the compiled set of gatewayd's IAM credentials and the users' policies. It is immutable and
// swapped whole when they change.
type IAM struct {
	keys map[string]*iamKey
}

type iamKey struct {
	cred     model.IAMCredential
	policies []*iampolicy.Policy
}

// CompileIAM compiles an IAM snapshot. A policy that does not parse is an error: it might deny.
func CompileIAM(snap model.IAMSnapshot, region string) (*IAM, error) {
	users := map[string][]*iampolicy.Policy{}
	for user, pols := range snap.Policies {
		for _, p := range pols {
			c, err := iampolicy.Parse([]byte(p.Policy), iampolicy.Options{Kind: iampolicy.Identity, Region: region, AccountID: model.AccountID})
			if err != nil {
				return nil, fmt.Errorf("policy %s of IAM user %s: %w", p.Name, user, err)
			}
			users[user] = append(users[user], c)
		}
	}
	out := &IAM{keys: make(map[string]*iamKey, len(snap.Credentials))}
	for _, c := range snap.Credentials {
		out.keys[c.AccessKeyID] = &iamKey{cred: c, policies: users[c.UserName]}
	}
	return out, nil
}

// secret returns an active key's secret.
func (m *IAM) secret(id string) (string, bool) {
	if m == nil {
		return "", false
	}
	k, ok := m.keys[id]
	if !ok || !k.cred.Active {
		return "", false
	}
	return k.cred.Secret, true
}

// evaluate combines a user's policies: a Deny in any wins, then an Allow in any.
func (k *iamKey) evaluate(r *iampolicy.Request) iampolicy.Effect {
	out := iampolicy.NoMatch
	for _, p := range k.policies {
		switch p.Evaluate(r) {
		case iampolicy.Deny:
			return iampolicy.Deny
		case iampolicy.Allow:
			out = iampolicy.Allow
		}
	}
	return out
}
