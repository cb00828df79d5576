// Package schema compiles an API's models (JSON Schema draft 4, as API Gateway's) into validators.
// The control plane compiles them on every change of a model, so that a schema that does not compile
// or refers to a model that does not exist is refused when it is written; the data plane compiles a
// deployment's models once and validates request bodies with them.
//
// A model refers to another model of its API with {"$ref": "https://apigateway.amazonaws.com/restapis/
// API_ID/models/NAME"} (model.ModelURL), and to its own parts with "#/definitions/...". Nothing else is
// ever loaded: no file, no network.
package schema

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Set is an API's models, compiled. It is safe for concurrent use.
type Set struct {
	byName map[string]*jsonschema.Schema
}

// noLoader refuses every URL the compiler was not given: a $ref to a file or a web address must not
// make gatewayd read either.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("%s is not a model of this rest api; a $ref names another model as %s", url, model.ModelURL("API_ID", "NAME"))
}

// Compile compiles every model of one API. The error names the model that does not compile and why.
func Compile(apiID string, models []model.Model) (*Set, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.UseLoader(noLoader{})
	for _, m := range models {
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(m.Schema))
		if err != nil {
			return nil, &Error{Model: m.Name, Err: fmt.Errorf("schema is not JSON: %w", err)}
		}
		if err := c.AddResource(model.ModelURL(apiID, m.Name), doc); err != nil {
			return nil, &Error{Model: m.Name, Err: err}
		}
	}
	set := &Set{byName: make(map[string]*jsonschema.Schema, len(models))}
	for _, m := range models {
		sch, err := c.Compile(model.ModelURL(apiID, m.Name))
		if err != nil {
			return nil, &Error{Model: m.Name, Err: err}
		}
		set.byName[m.Name] = sch
	}
	return set, nil
}

// Error is a model that does not compile.
type Error struct {
	Model string
	Err   error
}

func (e *Error) Error() string { return fmt.Sprintf("model %s: %v", e.Model, e.Err) }

func (e *Error) Unwrap() error { return e.Err }

// Has reports whether the set holds a model of that name.
func (s *Set) Has(name string) bool { _, ok := s.byName[name]; return ok }

// ErrNotJSON is the answer of Validate to a body that is not JSON.
var ErrNotJSON = errors.New("body is not JSON")

// Validate checks body against the named model, which must be in the set.
func (s *Set) Validate(name string, body []byte) error {
	sch := s.byName[name]
	if sch == nil {
		return fmt.Errorf("no model %q", name)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotJSON, err)
	}
	return sch.Validate(inst)
}

// References returns the names of the API's models that schemaText refers to with $ref.
func References(apiID, schemaText string) []string {
	prefix := model.ModelURL(apiID, "")
	var out []string
	for rest := schemaText; ; {
		i := strings.Index(rest, prefix)
		if i < 0 {
			return out
		}
		rest = rest[i+len(prefix):]
		end := 0
		for end < len(rest) && (rest[end] >= 'a' && rest[end] <= 'z' || rest[end] >= 'A' && rest[end] <= 'Z' || rest[end] >= '0' && rest[end] <= '9') {
			end++
		}
		if end > 0 {
			out = append(out, rest[:end])
		}
	}
}

// anyModel stands for every model of the API when one schema is checked alone (CheckAlone).
type anyModel struct{}

func (anyModel) Load(url string) (any, error) {
	if strings.HasPrefix(url, "https://apigateway.amazonaws.com/restapis/") && strings.Contains(url, "/models/") {
		return map[string]any{}, nil
	}
	return noLoader{}.Load(url)
}

// CheckAlone checks one schema without the API's other models, as the provider can at plan time: it
// must be JSON and JSON Schema draft 4; a $ref to a model of any API is taken to exist.
func CheckAlone(schemaText string) error {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(schemaText))
	if err != nil {
		return fmt.Errorf("schema is not JSON: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.UseLoader(anyModel{})
	const self = "https://apigateway.amazonaws.com/restapis/PLAN/models/Self"
	if err := c.AddResource(self, doc); err != nil {
		return err
	}
	_, err = c.Compile(self)
	return err
}
