package mapping

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
)

// RequestTemplates picks the request body an integration sends, by the request's content type and the
// integration's passthrough behaviour.
type RequestTemplates struct {
	byType      map[string][]byte
	passthrough string
}

// CompileRequestTemplates compiles request_templates (content type to template) and passthrough_behavior.
func CompileRequestTemplates(templates map[string]string, passthrough string) *RequestTemplates {
	rt := &RequestTemplates{byType: map[string][]byte{}, passthrough: passthrough}
	for ct, body := range templates {
		rt.byType[strings.ToLower(ct)] = []byte(body)
	}
	if rt.passthrough == "" {
		rt.passthrough = "WHEN_NO_MATCH"
	}
	return rt
}

// Body returns the integration request body for a method request with this Content-Type and body. It
// returns a 415 gwerror when no template matches and the passthrough behaviour forbids passing through.
func (rt *RequestTemplates) Body(contentType string, body []byte) ([]byte, error) {
	if t, ok := rt.byType[MediaType(contentType)]; ok {
		return t, nil
	}
	switch rt.passthrough {
	case "NEVER":
		return nil, gwerror.UnsupportedMediaType()
	case "WHEN_NO_TEMPLATES":
		if len(rt.byType) > 0 {
			return nil, gwerror.UnsupportedMediaType()
		}
	}
	return body, nil
}

// MockStatus reads the statusCode a MOCK integration's request template asks for, as in
// {"statusCode": 200}; "" when it names none.
func (rt *RequestTemplates) MockStatus(contentType string) string {
	t, ok := rt.byType[MediaType(contentType)]
	if !ok {
		return ""
	}
	var v struct {
		StatusCode json.RawMessage `json:"statusCode"`
	}
	if json.Unmarshal(t, &v) != nil || len(v.StatusCode) == 0 {
		return ""
	}
	s := strings.Trim(string(v.StatusCode), `"`)
	if _, err := strconv.Atoi(s); err != nil {
		return ""
	}
	return s
}
