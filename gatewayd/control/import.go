package control

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// Import modes, as API Gateway's PutRestApi.
const (
	// ImportOverwrite replaces the API's definition with the document's: resources, methods, models,
	// request validators and authorizers the document does not have are deleted (gateway responses
	// too when the document has x-amazon-apigateway-gateway-responses), settings it leaves out go back
	// to their defaults. Stages, deployments, method settings and tags are kept.
	ImportOverwrite = "overwrite"
	// ImportMerge adds the document's definitions to the API's: a method in both is replaced whole
	// (with its integration and responses) by the document's, everything else the API has stays. The
	// API's name and description stay; binary media types are added; the API key source changes when
	// the document names one.
	ImportMerge = "merge"
)

// ImportOptions tune ImportRestAPI.
type ImportOptions struct {
	// Mode is ImportOverwrite or ImportMerge.
	Mode string
	// The fields set here win over the document's, in the same write: the Terraform attributes set
	// beside a body, as the AWS provider documents them.
	Name, Description, APIKeySource *string
	BinaryMediaTypes                *[]string
	Tags                            *map[string]string
	// MinimumCompressionSize, when set, is the size (-1 off).
	MinimumCompressionSize *int
	// Policy, when set, is the resource policy ("" none).
	Policy *string
	Pre    Precondition
}

// ImportRestAPI applies a definition (an imported OpenAPI document) to an API in one write: one
// transaction and, for the API's auto-deploy stages, one deployment. Objects keep their ids where the
// definition names what exists (a resource by its path, a model or request validator by its name). An
// error names the JSON pointer of the part of the document at fault where it can.
func (s *Service) ImportRestAPI(ctx context.Context, apiID string, def *model.APIDefinition, opts ImportOptions) (model.RestAPI, error) {
	if opts.Mode != ImportOverwrite && opts.Mode != ImportMerge {
		return model.RestAPI{}, badRequest("mode", "mode must be overwrite or merge, got %q", opts.Mode)
	}
	var out model.RestAPI
	err := s.update(ctx, func(t *txn) error {
		api, err := getAPI(t, apiID)
		if err != nil {
			return err
		}
		if opts.Pre.IfNoneMatch {
			return conflict("rest api %s already exists", apiID)
		}
		if out, err = t.importSettings(api, def, opts); err != nil {
			return err
		}
		validatorIDs, err := t.importValidators(apiID, def, opts.Mode)
		if err != nil {
			return err
		}
		authorizerIDs, err := t.importAuthorizers(apiID, def)
		if err != nil {
			return err
		}
		if err := t.importModels(apiID, def); err != nil {
			return err
		}
		if err := t.importResources(apiID, def, opts.Mode, refIDs{validatorIDs, authorizerIDs}); err != nil {
			return err
		}
		if err := t.checkAuthorizerUsers(apiID, def, authorizerIDs); err != nil {
			return err
		}
		if err := t.importGatewayResponses(apiID, def, opts.Mode); err != nil {
			return err
		}
		if opts.Mode == ImportOverwrite {
			if err := t.dropUndefined(apiID, def); err != nil {
				return err
			}
		}
		if err := checkModels(t, apiID); err != nil {
			return err
		}
		return t.contentChanged(apiID)
	})
	return s.withARNs(out), err
}

// at names the part of the document a control-plane error is about.
func at(ptr string, err error) error {
	var ce *Error
	if ptr == "" || !errors.As(err, &ce) || ce.Status == http.StatusInternalServerError {
		return err
	}
	out := *ce
	out.Message = ptr + ": " + ce.Message
	out.Field = ptr
	return &out
}

func (t *txn) importSettings(api model.RestAPI, def *model.APIDefinition, opts ImportOptions) (model.RestAPI, error) {
	if opts.Mode == ImportOverwrite {
		api.Name, api.Description = def.Name, def.Description
		api.APIKeySource, api.BinaryMediaTypes = def.APIKeySource, def.BinaryMediaTypes
		api.MinimumCompressionSize = def.MinimumCompressionSize
	} else {
		if def.MinimumCompressionSize != nil {
			api.MinimumCompressionSize = def.MinimumCompressionSize
		}
		if def.APIKeySource != "" {
			api.APIKeySource = def.APIKeySource
		}
		for _, mt := range def.BinaryMediaTypes {
			if !slices.Contains(api.BinaryMediaTypes, mt) {
				api.BinaryMediaTypes = append(api.BinaryMediaTypes, mt)
			}
		}
	}
	if opts.Name != nil {
		api.Name = *opts.Name
	}
	if opts.Description != nil {
		api.Description = *opts.Description
	}
	if opts.APIKeySource != nil {
		api.APIKeySource = *opts.APIKeySource
	}
	if opts.BinaryMediaTypes != nil {
		api.BinaryMediaTypes = *opts.BinaryMediaTypes
	}
	if opts.Tags != nil {
		api.Tags = *opts.Tags
	}
	if opts.MinimumCompressionSize != nil {
		api.MinimumCompressionSize = opts.MinimumCompressionSize
	}
	// The document's resource policy replaces the API's in either mode; without one the API keeps its
	// own (a gatewayd_rest_api_policy may manage it beside the body).
	policyPtr := ""
	if def.Policy != nil {
		api.Policy, policyPtr = *def.Policy, def.Pointers[model.DefinitionKey("policy", "")]
	}
	if opts.Policy != nil {
		api.Policy, policyPtr = *opts.Policy, ""
	}
	api.APIKeySource = strings.ToUpper(api.APIKeySource)
	api.Normalize()
	if err := api.Validate(); err != nil {
		return model.RestAPI{}, invalid(err)
	}
	if def.Policy != nil || opts.Policy != nil {
		if err := checkResourcePolicy(api.Policy); err != nil {
			return model.RestAPI{}, at(policyPtr, err)
		}
	}
	ver, err := putJSON(t, store.KindRestAPI, "", api.ID, api, opts.Pre.expect(), "rest api "+api.ID)
	api.Version = ver
	return api, err
}

// importValidators writes the definition's request validators, matched by name, and returns every
// validator's id by name.
func (t *txn) importValidators(apiID string, def *model.APIDefinition, mode string) (map[string]string, error) {
	existing, err := listJSON(t, store.KindRequestValidator, apiID, "", setRequestValidatorVersion)
	if err != nil {
		return nil, err
	}
	ids := map[string]string{}
	for _, v := range existing {
		if _, ok := ids[v.Name]; !ok {
			ids[v.Name] = v.ID
		}
	}
	for _, v := range def.RequestValidators {
		ptr := def.Pointers[model.DefinitionKey("validator", v.Name)]
		v.RestAPIID = apiID
		if id, ok := ids[v.Name]; ok {
			v.ID = id
		} else {
			v.ID = newID()
			ids[v.Name] = v.ID
		}
		if err := v.Validate(); err != nil {
			return nil, at(ptr, invalid(err))
		}
		if _, err := putJSON(t, store.KindRequestValidator, apiID, v.ID, v, store.AnyVersion, validatorWhat(apiID, v.ID)); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// refIDs are the ids of the request validators and authorizers a definition's methods name, by name.
type refIDs struct{ validators, authorizers map[string]string }

// importAuthorizers writes the definition's authorizers, matched by name (an authorizer of the API
// with the same name keeps its id), and returns every authorizer's id by name.
func (t *txn) importAuthorizers(apiID string, def *model.APIDefinition) (map[string]string, error) {
	existing, err := listJSON(t, store.KindAuthorizer, apiID, "", setAuthorizerVersion)
	if err != nil {
		return nil, err
	}
	ids := map[string]string{}
	for _, a := range existing {
		if _, ok := ids[a.Name]; !ok {
			ids[a.Name] = a.ID
		}
	}
	for _, a := range def.Authorizers {
		ptr := def.Pointers[model.DefinitionKey("authorizer", a.Name)]
		a.RestAPIID = apiID
		if id, ok := ids[a.Name]; ok {
			a.ID = id
		} else {
			a.ID = newID()
			ids[a.Name] = a.ID
		}
		a.Normalize()
		if err := a.Validate(); err != nil {
			return nil, at(ptr, invalid(err))
		}
		if _, err := putJSON(t, store.KindAuthorizer, apiID, a.ID, a, store.AnyVersion, authorizerWhat(apiID, a.ID)); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// checkAuthorizerUsers refuses (merge) an authorizer of the definition whose new type the methods
// outside the document that use it cannot keep, as UpdateAuthorizer does.
func (t *txn) checkAuthorizerUsers(apiID string, def *model.APIDefinition, ids map[string]string) error {
	if len(def.Authorizers) == 0 {
		return nil
	}
	imported := map[string]string{}
	for _, a := range def.Authorizers {
		imported[ids[a.Name]] = a.Name
	}
	methods, err := listJSON(t, store.KindMethod, apiID, "", setMethodVersion)
	if err != nil {
		return err
	}
	for _, m := range methods {
		name, ok := imported[m.AuthorizerID]
		if !ok {
			continue
		}
		if err := checkMethodAuthorizer(t, apiID, m); err != nil {
			return at(def.Pointers[model.DefinitionKey("authorizer", name)],
				conflict("authorizer %q is used by method %s of resource %s, which it can no longer serve: %v", name, m.HTTPMethod, m.ResourceID, err))
		}
	}
	return nil
}

// importGatewayResponses writes the definition's gateway responses, keyed by type as always. When the
// document has x-amazon-apigateway-gateway-responses, overwrite deletes the API's other gateway
// responses; a document without it leaves them (they are often managed beside a body, as
// gatewayd_gateway_response resources).
func (t *txn) importGatewayResponses(apiID string, def *model.APIDefinition, mode string) error {
	if def.GatewayResponses == nil {
		return nil
	}
	keep := map[string]bool{}
	for _, g := range def.GatewayResponses {
		ptr := def.Pointers[model.DefinitionKey("gateway_response", g.ResponseType)]
		g.RestAPIID = apiID
		g.Normalize()
		if err := g.Validate(); err != nil {
			return at(ptr, invalid(err))
		}
		if err := checkTemplates("response_templates", g.ResponseTemplates); err != nil {
			return at(ptr, err)
		}
		if _, err := putJSON(t, store.KindGatewayResponse, apiID, g.ResponseType, g, store.AnyVersion, gatewayResponseWhat(apiID, g.ResponseType)); err != nil {
			return err
		}
		keep[g.ResponseType] = true
	}
	if mode != ImportOverwrite {
		return nil
	}
	existing, err := listJSON(t, store.KindGatewayResponse, apiID, "", setGatewayResponseVersion)
	if err != nil {
		return err
	}
	for _, g := range existing {
		if !keep[g.ResponseType] {
			if err := deleteRecord(t, store.KindGatewayResponse, apiID, g.ResponseType, store.AnyVersion, gatewayResponseWhat(apiID, g.ResponseType)); err != nil {
				return err
			}
		}
	}
	return nil
}

// importModels writes the definition's models, matched by name (compiled together once everything is
// written).
func (t *txn) importModels(apiID string, def *model.APIDefinition) error {
	for _, m := range def.Models {
		ptr := def.Pointers[model.DefinitionKey("model", m.Name)]
		m.RestAPIID = apiID
		m.Normalize()
		if err := m.Validate(); err != nil {
			return at(ptr, invalid(err))
		}
		cur, _, err := getJSON[model.Model](t, store.KindModel, apiID, m.Name, modelWhat(apiID, m.Name))
		switch {
		case err == nil:
			m.ID = cur.ID
		case IsNotFound(err):
			m.ID = newID()
		default:
			return err
		}
		if _, err := putJSON(t, store.KindModel, apiID, m.Name, m, store.AnyVersion, modelWhat(apiID, m.Name)); err != nil {
			return err
		}
	}
	return nil
}

// methodKinds are the records of a method, its integration and responses, keyed under RESOURCE/VERB.
var methodKinds = []store.Kind{store.KindMethod, store.KindIntegration, store.KindMethodResponse, store.KindIntegrationResponse}

// deleteMethodRecords deletes what hangs from a resource (verb "") or one of its methods.
func (t *txn) deleteMethodRecords(apiID, resourceID, verb string) error {
	for _, k := range methodKinds {
		prefix := resourceID + "/"
		if verb != "" {
			if k == store.KindMethod || k == store.KindIntegration {
				if err := t.Delete(k, apiID, model.MethodKey(resourceID, verb), store.AnyVersion); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				continue
			}
			prefix = model.MethodKey(resourceID, verb) + "/"
		}
		if _, err := t.DeletePrefix(k, apiID, prefix); err != nil {
			return err
		}
	}
	return nil
}

// importResources creates the definition's paths that do not exist, deletes (overwrite) those the
// definition does not have, and writes the methods.
func (t *txn) importResources(apiID string, def *model.APIDefinition, mode string, refs refIDs) error {
	all, err := listResources(t, apiID)
	if err != nil {
		return err
	}
	byPath := map[string]model.Resource{}
	for _, r := range all {
		byPath[r.Path] = r
	}
	desired := map[string]bool{"/": true}
	for _, rd := range def.Resources {
		for p := rd.Path; p != "/" && p != ""; p = parentPath(p) {
			desired[p] = true
		}
	}
	if mode == ImportOverwrite {
		for _, r := range all {
			if err := t.deleteMethodRecords(apiID, r.ID, ""); err != nil {
				return err
			}
			if r.ParentID != "" && !desired[r.Path] {
				if err := deleteRecord(t, store.KindResource, apiID, r.ID, store.AnyVersion, "resource "+r.ID); err != nil {
					return err
				}
				delete(byPath, r.Path)
			}
		}
		all = all[:0]
		for _, r := range byPath {
			all = append(all, r)
		}
	}
	paths := make([]string, 0, len(desired))
	for p := range desired {
		paths = append(paths, p)
	}
	sort.Slice(paths, func(i, j int) bool {
		di, dj := strings.Count(paths[i], "/"), strings.Count(paths[j], "/")
		return di < dj || di == dj && paths[i] < paths[j]
	})
	for _, p := range paths {
		if _, ok := byPath[p]; ok {
			continue
		}
		parent := byPath[parentPath(p)]
		r := model.Resource{ID: newID(), RestAPIID: apiID, ParentID: parent.ID, PathPart: p[strings.LastIndexByte(p, '/')+1:], Path: p}
		ptr := def.Pointers[model.DefinitionKey("resource", p)]
		if ptr == "" {
			ptr = def.Pointers[model.DefinitionKey("resource", firstDefinedUnder(def, p))]
		}
		if err := r.Validate(); err != nil {
			return at(ptr, invalid(err))
		}
		if _, err := checkPlacement(all, r); err != nil {
			return at(ptr, err)
		}
		if err := checkParamNames(p); err != nil {
			return at(ptr, err)
		}
		if _, err := putJSON(t, store.KindResource, apiID, r.ID, r, store.ExpectAbsent, "resource "+r.ID); err != nil {
			return err
		}
		byPath[p] = r
		all = append(all, r)
	}
	for _, rd := range def.Resources {
		res := byPath[rd.Path]
		for _, md := range rd.Methods {
			ptr := def.Pointers[model.DefinitionKey("method", md.Method.HTTPMethod+" "+rd.Path)]
			if err := t.importMethod(apiID, res.ID, md, mode, refs); err != nil {
				return at(ptr, err)
			}
		}
	}
	return nil
}

func (t *txn) importMethod(apiID, resourceID string, md model.MethodDefinition, mode string, refs refIDs) error {
	m := md.Method
	verb := m.HTTPMethod
	if mode == ImportMerge {
		if err := t.deleteMethodRecords(apiID, resourceID, verb); err != nil {
			return err
		}
	}
	id := MethodID{RestAPIID: apiID, ResourceID: resourceID, HTTPMethod: verb}
	m.RestAPIID, m.ResourceID = apiID, resourceID
	if m.RequestValidatorID != "" {
		vid, ok := refs.validators[m.RequestValidatorID]
		if !ok {
			return unprocessable("request_validator", "request validator %q is neither in the document nor in rest api %s", m.RequestValidatorID, apiID)
		}
		m.RequestValidatorID = vid
	}
	if m.AuthorizerID != "" {
		aid, ok := refs.authorizers[m.AuthorizerID]
		if !ok {
			return unprocessable("authorizer_id", "authorizer %q is neither in the document nor in rest api %s", m.AuthorizerID, apiID)
		}
		m.AuthorizerID = aid
	}
	m.Normalize()
	if err := m.Validate(); err != nil {
		return invalid(err)
	}
	if err := checkMethodReferences(t, apiID, m); err != nil {
		return err
	}
	if _, err := putJSON(t, store.KindMethod, apiID, id.key(), m, store.AnyVersion, id.String()); err != nil {
		return err
	}
	for _, r := range md.MethodResponses {
		r.RestAPIID, r.ResourceID, r.HTTPMethod = apiID, resourceID, verb
		r.Normalize()
		if err := r.Validate(); err != nil {
			return invalid(err)
		}
		if err := checkModelNames(t, apiID, "response_models", r.ResponseModels); err != nil {
			return err
		}
		if _, err := putJSON(t, store.KindMethodResponse, apiID, model.ResponseKey(resourceID, verb, r.StatusCode), r, store.AnyVersion,
			responseWhat("method response", id, r.StatusCode)); err != nil {
			return err
		}
	}
	if md.Integration == nil {
		return nil
	}
	in := *md.Integration
	in.RestAPIID, in.ResourceID, in.HTTPMethod = apiID, resourceID, verb
	in.Normalize()
	if err := in.Validate(); err != nil {
		return invalid(err)
	}
	if err := checkTemplates("request_templates", in.RequestTemplates); err != nil {
		return err
	}
	if err := checkConnection(t, in, id.integrationWhat()); err != nil {
		return err
	}
	if _, err := putJSON(t, store.KindIntegration, apiID, id.key(), in, store.AnyVersion, id.integrationWhat()); err != nil {
		return err
	}
	defaults := 0
	for _, r := range md.IntegrationResponses {
		r.RestAPIID, r.ResourceID, r.HTTPMethod = apiID, resourceID, verb
		r.Normalize()
		if err := r.Validate(); err != nil {
			return invalid(err)
		}
		if err := checkTemplates("response_templates", r.ResponseTemplates); err != nil {
			return err
		}
		if r.SelectionPattern == "" {
			if defaults++; defaults > 1 {
				return conflict("%s has two default integration responses (empty selection pattern)", id)
			}
		}
		if _, err := putJSON(t, store.KindIntegrationResponse, apiID, model.ResponseKey(resourceID, verb, r.StatusCode), r, store.AnyVersion,
			responseWhat("integration response", id, r.StatusCode)); err != nil {
			return err
		}
	}
	return nil
}

// dropUndefined deletes (overwrite) the models, request validators and authorizers the definition does
// not have. The default models Empty and Error stay: every API has them; so does an authorizer a method
// still uses (none is left but the document's: overwrite rewrote every method).
func (t *txn) dropUndefined(apiID string, def *model.APIDefinition) error {
	keepModels := map[string]bool{}
	for _, m := range defaultModels {
		keepModels[m.Name] = true
	}
	for _, m := range def.Models {
		keepModels[m.Name] = true
	}
	models, err := listJSON(t, store.KindModel, apiID, "", setModelVersion)
	if err != nil {
		return err
	}
	for _, m := range models {
		if !keepModels[m.Name] {
			if err := deleteRecord(t, store.KindModel, apiID, m.Name, store.AnyVersion, modelWhat(apiID, m.Name)); err != nil {
				return err
			}
		}
	}
	keepValidators := map[string]bool{}
	for _, v := range def.RequestValidators {
		keepValidators[v.Name] = true
	}
	validators, err := listJSON(t, store.KindRequestValidator, apiID, "", setRequestValidatorVersion)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, v := range validators {
		if !keepValidators[v.Name] || seen[v.Name] {
			if err := deleteRecord(t, store.KindRequestValidator, apiID, v.ID, store.AnyVersion, validatorWhat(apiID, v.ID)); err != nil {
				return err
			}
		}
		seen[v.Name] = true
	}
	return t.dropUndefinedAuthorizers(apiID, def)
}

func (t *txn) dropUndefinedAuthorizers(apiID string, def *model.APIDefinition) error {
	keep := map[string]bool{}
	for _, a := range def.Authorizers {
		keep[a.Name] = true
	}
	authorizers, err := listJSON(t, store.KindAuthorizer, apiID, "", setAuthorizerVersion)
	if err != nil || len(authorizers) == 0 {
		return err
	}
	methods, err := listJSON(t, store.KindMethod, apiID, "", setMethodVersion)
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for _, m := range methods {
		used[m.AuthorizerID] = true
	}
	seen := map[string]bool{}
	for _, a := range authorizers {
		if (!keep[a.Name] || seen[a.Name]) && !used[a.ID] {
			if err := deleteRecord(t, store.KindAuthorizer, apiID, a.ID, store.AnyVersion, authorizerWhat(apiID, a.ID)); err != nil {
				return err
			}
		}
		seen[a.Name] = true
	}
	return nil
}

func parentPath(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

// firstDefinedUnder returns the first path of the definition under p, whose pointer names an
// intermediate resource the document does not list itself.
func firstDefinedUnder(def *model.APIDefinition, p string) string {
	for _, rd := range def.Resources {
		if strings.HasPrefix(rd.Path, p+"/") {
			return rd.Path
		}
	}
	return p
}

// ExportSnapshot returns a stage and the snapshot it serves, for an export of the stage.
func (s *Service) ExportSnapshot(ctx context.Context, apiID, stageName string) (model.Stage, *model.Snapshot, error) {
	return s.StageConfig(ctx, apiID, stageName)
}
