package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/openapi"
)

// rollbackBody is the optional body of a rollback: the deployment to go back to. Without it (or with
// an empty body) the stage goes back to the deployment it served before its current one.
type rollbackBody struct {
	DeploymentID string `json:"deployment_id"`
}

// promoteBody is the optional body of a canary promotion.
type promoteBody struct {
	MergeVariables bool `json:"merge_variables"`
}

// releaseRoutes serves releasing: rollback, canary promotion, deployment diffs.
func (a *API) releaseRoutes() {
	s := a.opts.Service
	const stage = "/v1/restapis/{api}/stages/{stage}"
	a.route("/v1/restapis/{api}/deployments/{from}/diff/{to}", map[string]handler{
		// JSON (model.DeploymentDiff) unless ?format=text or Accept: text/plain asks for its text.
		http.MethodGet: func(r *http.Request) (result, error) {
			d, err := s.DiffDeployments(r.Context(), r.PathValue("api"), r.PathValue("from"), r.PathValue("to"))
			if err != nil || !wantsText(r) {
				return ok(d, err)
			}
			return result{body: rawBody{contentType: "text/plain; charset=utf-8", data: []byte(d.Text)}}, nil
		},
	})
	a.route(stage+"/exports/{type}", map[string]handler{
		// An OpenAPI 3.0 (oas30) or Swagger 2.0 (swagger) document of what the stage serves: JSON, or
		// YAML with Accept: application/yaml; ?extensions=integrations,authorizers,apigateway.
		http.MethodGet: func(r *http.Request) (result, error) {
			typ := r.PathValue("type")
			if typ != openapi.TypeOAS30 && typ != openapi.TypeSwagger {
				return result{}, &control.Error{Status: http.StatusNotFound, Code: control.CodeNotFound,
					Message: fmt.Sprintf("unknown export type %q: use oas30 or swagger", typ)}
			}
			var exts []string
			for e := range strings.SplitSeq(r.URL.Query().Get("extensions"), ",") {
				if e = strings.TrimSpace(e); e != "" {
					exts = append(exts, e)
				}
			}
			if err := openapi.CheckExtensions(exts); err != nil {
				return result{}, &control.Error{Status: http.StatusBadRequest, Code: control.CodeBadRequest, Field: "extensions", Message: err.Error()}
			}
			st, snap, err := s.ExportSnapshot(r.Context(), r.PathValue("api"), r.PathValue("stage"))
			if err != nil {
				return result{}, err
			}
			docs, err := s.ExportDocumentation(r.Context(), r.PathValue("api"), st.DocumentationVersion)
			if err != nil {
				return result{}, err
			}
			doc, err := openapi.Export(snap, openapi.ExportOptions{Extensions: exts, ServerURL: st.InvokeURL, Documentation: docs})
			if err != nil {
				return result{}, err
			}
			asYAML := wantsYAML(r)
			body, err := openapi.Marshal(doc, typ, asYAML)
			if err != nil {
				return result{}, err
			}
			ct := "application/json"
			if asYAML {
				ct = "application/yaml"
			}
			return result{body: rawBody{contentType: ct, data: body}}, nil
		},
	})
	a.route(stage+"/canary/promote", map[string]handler{
		// The optional body {"merge_variables": true} also merges the canary's stage variable
		// overrides into the stage's variables.
		http.MethodPost: func(r *http.Request) (result, error) {
			id := r.PathValue("api") + "/" + r.PathValue("stage")
			var in promoteBody
			if r.ContentLength != 0 {
				if err := decode(r, &in); err != nil {
					return result{objectID: id}, err
				}
			}
			pre, err := precondition(r)
			if err != nil {
				return result{objectID: id}, err
			}
			v, err := s.PromoteCanary(r.Context(), r.PathValue("api"), r.PathValue("stage"), in.MergeVariables, pre)
			return changed(v, id, err)
		},
	})
	a.route(stage+"/rollback", map[string]handler{
		http.MethodPost: func(r *http.Request) (result, error) {
			id := r.PathValue("api") + "/" + r.PathValue("stage")
			var in rollbackBody
			if r.ContentLength != 0 {
				if err := decode(r, &in); err != nil {
					return result{objectID: id}, err
				}
			}
			pre, err := precondition(r)
			if err != nil {
				return result{objectID: id}, err
			}
			v, err := s.RollbackStage(r.Context(), r.PathValue("api"), r.PathValue("stage"), in.DeploymentID, pre)
			return changed(v, id, err)
		},
	})
}

// rawBody is an answer that is not JSON: a diff as text, an export as YAML.
type rawBody struct {
	contentType string
	data        []byte
}

func (b rawBody) write(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", b.contentType)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(b.data)))
	w.WriteHeader(status)
	_, _ = w.Write(b.data)
}

// wantsText reports whether the caller asked for text: ?format=text, or an Accept header that names
// text/plain and not JSON.
func wantsText(r *http.Request) bool {
	if f := r.URL.Query().Get("format"); f != "" {
		return f == "text"
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "text/plain") && !strings.Contains(accept, "json")
}

// historyDiffs answers GET .../history?diff=true: the entries with what each move changed.
func (a *API) historyDiffs(r *http.Request, limit int) (result, error) {
	v, err := a.opts.Service.StageHistoryDiffs(r.Context(), r.PathValue("api"), r.PathValue("stage"), limit)
	if err != nil || !wantsText(r) {
		return ok(items(v), err)
	}
	return result{body: rawBody{contentType: "text/plain; charset=utf-8", data: []byte(control.RenderHistory(v))}}, nil
}

// maxImportBytes caps the body of an import: a document of up to openapi.MaxDocumentBytes, which may
// arrive JSON-escaped inside an envelope.
const maxImportBytes = 3 * openapi.MaxDocumentBytes

// maxBody is the body cap of r: MaxBodyBytes, or more for an OpenAPI import.
func (a *API) maxBody(r *http.Request) int64 {
	if r.Method == http.MethodPut && r.URL.Query().Has("mode") && strings.HasPrefix(r.URL.Path, "/v1/restapis/") &&
		strings.Count(r.URL.Path, "/") == 3 {
		return max(a.opts.MaxBodyBytes, maxImportBytes)
	}
	return a.opts.MaxBodyBytes
}

// importEnvelope is the JSON form of an import that sets some of the API's fields beside its
// document: those set win over the document's (as the Terraform attributes beside body).
type importEnvelope struct {
	Body             string             `json:"body"`
	Name             *string            `json:"name"`
	Description      *string            `json:"description"`
	APIKeySource     *string            `json:"api_key_source"`
	BinaryMediaTypes *[]string          `json:"binary_media_types"`
	Tags             *map[string]string `json:"tags"`
	// MinimumCompressionSize is -1 to turn compression off.
	MinimumCompressionSize *int `json:"minimum_compression_size"`
	// Policy is the resource policy ("" none).
	Policy *string `json:"policy"`
}

// importResult answers an import: the API and what the import left out.
type importResult struct {
	model.RestAPI
	Warnings []openapi.Warning `json:"warnings"`
}

var importQuery = map[string]bool{"mode": true, "fail_on_warnings": true, "failonwarnings": true, "basepath": true, "ignore": true}

// Content types of an OpenAPI document.
var documentTypes = []string{"application/json", "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml",
	"application/vnd.oai.openapi", "application/vnd.oai.openapi+json"}

// importAPI answers PUT /v1/restapis/{api}?mode=overwrite|merge: an OpenAPI 3.0/3.1 or Swagger 2.0
// document (JSON or YAML) as the body, or an importEnvelope holding it. Query parameters, as API
// Gateway's PutRestApi: mode, fail_on_warnings (or failonwarnings), basepath (ignore, prepend, split)
// and ignore=documentation.
func (a *API) importAPI(r *http.Request) (result, error) {
	id := r.PathValue("api")
	bad := func(field, format string, args ...any) (result, error) {
		return result{objectID: id}, &control.Error{Status: http.StatusBadRequest, Code: control.CodeBadRequest, Field: field, Message: fmt.Sprintf(format, args...)}
	}
	q := r.URL.Query()
	for k := range q {
		if !importQuery[k] {
			return bad(k, "unknown query parameter %q of an import; the parameters are mode, fail_on_warnings, basepath and ignore", k)
		}
	}
	failOnWarnings := false
	for _, k := range []string{"fail_on_warnings", "failonwarnings"} {
		if q.Has(k) {
			v, err := strconv.ParseBool(q.Get(k))
			if err != nil {
				return bad(k, "%s must be true or false, got %q", k, q.Get(k))
			}
			failOnWarnings = failOnWarnings || v
		}
	}
	if v := q.Get("ignore"); q.Has("ignore") && v != "documentation" {
		return bad("ignore", "ignore supports only documentation (documentation parts are never imported), got %q", v)
	}
	basePath := q.Get("basepath")
	switch basePath {
	case "", openapi.BasePathIgnore, openapi.BasePathPrepend, openapi.BasePathSplit:
	default:
		return bad("basepath", "basepath must be ignore, prepend or split, got %q", basePath)
	}
	pre, err := precondition(r)
	if err != nil {
		return result{objectID: id}, err
	}
	ct := r.Header.Get("Content-Type")
	if mt, _, _ := strings.Cut(ct, ";"); ct != "" && !slices.Contains(documentTypes, strings.TrimSpace(strings.ToLower(mt))) {
		return result{objectID: id}, &control.Error{Status: http.StatusUnsupportedMediaType, Code: "UnsupportedMediaType",
			Message: fmt.Sprintf("an import is an OpenAPI document (JSON or YAML) or a JSON object with its body; Content-Type %q is neither", ct)}
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return result{objectID: id}, err
	}
	opts := control.ImportOptions{Mode: q.Get("mode"), Pre: pre}
	if env, ok, err := envelope(data); err != nil {
		return result{objectID: id}, err
	} else if ok {
		data = []byte(env.Body)
		opts.Name, opts.Description, opts.APIKeySource = env.Name, env.Description, env.APIKeySource
		opts.BinaryMediaTypes, opts.Tags = env.BinaryMediaTypes, env.Tags
		opts.MinimumCompressionSize, opts.Policy = env.MinimumCompressionSize, env.Policy
	}
	if len(data) > openapi.MaxDocumentBytes {
		return result{objectID: id}, &control.Error{Status: http.StatusRequestEntityTooLarge, Code: "PayloadTooLarge",
			Message: fmt.Sprintf("the OpenAPI document is %d bytes; at most %d are imported (API Gateway's limit)", len(data), openapi.MaxDocumentBytes)}
	}
	def, warnings, err := openapi.Import(data, openapi.Options{APIID: id, BasePath: basePath})
	if err != nil {
		var oe *openapi.Error
		if errors.As(err, &oe) {
			return bad(oe.Pointer, "%s", oe.Error())
		}
		return result{objectID: id}, err
	}
	if warnings == nil {
		warnings = []openapi.Warning{}
	}
	if failOnWarnings && len(warnings) > 0 {
		lines := make([]string, len(warnings))
		for i, w := range warnings {
			lines[i] = w.String()
		}
		return bad(warnings[0].Pointer, "fail_on_warnings: the import would leave out %d part(s) of the document: %s", len(warnings), strings.Join(lines, "; "))
	}
	v, err := a.opts.Service.ImportRestAPI(r.Context(), id, def, opts)
	return changed(importResult{RestAPI: v, Warnings: warnings}, id, err)
}

// envelope reads an importEnvelope: a JSON object with body and no openapi or swagger field.
func envelope(data []byte) (importEnvelope, bool, error) {
	var env importEnvelope
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return env, false, nil
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &keys); err != nil {
		return env, false, nil // the document's own parser says what is wrong
	}
	_, hasBody := keys["body"]
	_, isOpenAPI := keys["openapi"]
	_, isSwagger := keys["swagger"]
	if !hasBody || isOpenAPI || isSwagger {
		return env, false, nil
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return env, false, decodeErr(err)
	}
	return env, true, nil
}

// wantsYAML reports whether the caller asked for YAML: an Accept header that names a YAML type and not
// JSON.
func wantsYAML(r *http.Request) bool {
	accept := strings.ToLower(r.Header.Get("Accept"))
	return strings.Contains(accept, "yaml") && !strings.Contains(accept, "json")
}
