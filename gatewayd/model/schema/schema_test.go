package schema

import (
	"errors"
	"slices"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

const pet = `{"$schema": "http://json-schema.org/draft-04/schema#", "title": "Pet", "type": "object",
  "properties": {"id": {"type": "integer"}, "type": {"type": "string", "enum": ["dog", "cat"]}, "price": {"type": "number", "minimum": 0}},
  "required": ["type"]}`

func TestCompileAndValidate(t *testing.T) {
	set, err := Compile("api1", []model.Model{
		{Name: "Pet", Schema: pet},
		{Name: "Pets", Schema: `{"type": "array", "items": {"$ref": "https://apigateway.amazonaws.com/restapis/api1/models/Pet"}}`},
		{Name: "Local", Schema: `{"definitions": {"n": {"type": "integer"}}, "properties": {"n": {"$ref": "#/definitions/n"}}}`},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		model, body string
		ok          bool
	}{
		{"Pet", `{"type": "dog", "price": 10}`, true},
		{"Pet", `{"type": "bird"}`, false},
		{"Pet", `{"price": 10}`, false},
		{"Pet", `{"type": "dog", "price": -1}`, false},
		{"Pet", `not json`, false},
		{"Pet", ``, false},
		{"Pets", `[{"type": "cat"}, {"type": "dog", "id": 2}]`, true},
		{"Pets", `[{"type": "cat"}, {"id": "x"}]`, false},
		{"Local", `{"n": 3}`, true},
		{"Local", `{"n": "3"}`, false},
	}
	for _, tc := range tests {
		if err := set.Validate(tc.model, []byte(tc.body)); (err == nil) != tc.ok {
			t.Errorf("Validate(%s, %s) = %v, want ok %v", tc.model, tc.body, err, tc.ok)
		}
	}
	if err := set.Validate("Pet", []byte("{")); !errors.Is(err, ErrNotJSON) {
		t.Errorf("Validate of a broken body = %v, want ErrNotJSON", err)
	}
}

func TestCompileErrors(t *testing.T) {
	tests := map[string]string{
		"not JSON":           `{"type": `,
		"not draft 4":        `{"type": "objekt"}`,
		"missing model":      `{"$ref": "https://apigateway.amazonaws.com/restapis/api1/models/Nope"}`,
		"other api's model":  `{"$ref": "https://apigateway.amazonaws.com/restapis/api2/models/Pet"}`,
		"a file":             `{"$ref": "file:///etc/passwd"}`,
		"a web address":      `{"$ref": "http://127.0.0.1:1/schema.json"}`,
		"bad pattern":        `{"type": "string", "pattern": "("}`,
		"minimum not number": `{"minimum": "1"}`,
	}
	for name, sch := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Compile("api1", []model.Model{{Name: "Pet", Schema: pet}, {Name: "Bad", Schema: sch}})
			var se *Error
			if !errors.As(err, &se) || se.Model != "Bad" {
				t.Errorf("Compile = %v, want an error naming model Bad", err)
			}
		})
	}
}

func TestReferences(t *testing.T) {
	got := References("api1", `{"a": {"$ref": "https://apigateway.amazonaws.com/restapis/api1/models/Pet"},
		"b": {"$ref": "https://apigateway.amazonaws.com/restapis/api1/models/Owner#/definitions/x"},
		"c": {"$ref": "https://apigateway.amazonaws.com/restapis/api2/models/Other"}}`)
	if !slices.Equal(got, []string{"Pet", "Owner"}) {
		t.Errorf("References = %q", got)
	}
}

func TestCheckAlone(t *testing.T) {
	for sch, ok := range map[string]bool{
		`{"type": "object"}`: true,
		`{"items": {"$ref": "https://apigateway.amazonaws.com/restapis/abc/models/Pet"}}`: true,
		`{"type": "objekt"}`:            false,
		`{`:                             false,
		`{"$ref": "file:///etc/hosts"}`: false,
	} {
		if err := CheckAlone(sch); (err == nil) != ok {
			t.Errorf("CheckAlone(%s) = %v, want ok %v", sch, err, ok)
		}
	}
}
