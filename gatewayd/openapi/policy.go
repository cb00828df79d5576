package openapi

import (
	"encoding/json"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/iampolicy"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

const extPolicy = "x-amazon-apigateway-policy"

// policy reads x-amazon-apigateway-policy, the API's resource policy: an IAM policy document (an
// object, or a string holding one), checked as gatewayd_rest_api_policy checks it.
func (im *importer) policy(ptr string, v any) error {
	var doc []byte
	if s, ok := v.(string); ok {
		doc = []byte(s)
	} else {
		b, err := json.Marshal(v)
		if err != nil {
			return errAt(ptr, "%v", err)
		}
		doc = b
	}
	var probe map[string]any
	if err := json.Unmarshal(doc, &probe); err != nil {
		return errAt(ptr, "must be an IAM policy document (a JSON object with Version and Statement): %v", err)
	}
	if err := (&model.RestAPI{Name: "x", APIKeySource: "HEADER", Policy: string(doc)}).Validate(); err != nil {
		return fieldErrAt(ptr, err, map[string]string{"policy": ""})
	}
	if _, err := iampolicy.Parse(doc, iampolicy.Options{Kind: iampolicy.Resource, Region: model.DefaultRegion, APIID: "api", AccountID: model.AccountID}); err != nil {
		return errAt(ptr, "%v", err)
	}
	policy := string(doc)
	im.def.Policy = &policy
	im.def.Pointers[model.DefinitionKey("policy", "")] = ptr
	return nil
}

// exportPolicy returns the resource policy as the JSON object API Gateway's export writes.
func exportPolicy(policy string) any {
	var v any
	if err := json.Unmarshal([]byte(policy), &v); err != nil {
		return policy // stored policies were validated; never write a broken document
	}
	return v
}
