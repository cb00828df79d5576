package admin

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// FuzzDecode: decode accepts exactly one JSON object of the target type and nothing else; what it
// accepts survives a round trip, and what it refuses is a 400 or 415 control.Error, never a panic.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"name":"a"}`, `{"name":"a","nmae":"b"}`, `{"name":42}`, `{"name":"a"}{"name":"b"}`, ``, `[]`, `null`,
		`{"path_part":"{proxy+}","parent_id":"x"}`, `{"type":"HTTP","uri":"http://h/{id}","request_templates":{"application/json":"#set($x=1)"}}`,
		`{"settings":{"throttling_rate_limit":-1}}`, "{\"name\":\"\xff\"}", `{"name":"\ud800"}`} {
		f.Add(s, "application/json")
	}
	f.Add(`{"name":"a"}`, "text/plain")
	f.Fuzz(func(t *testing.T, body, contentType string) {
		for _, target := range []func() any{
			func() any { return new(model.RestAPI) },
			func() any { return new(model.Resource) },
			func() any { return new(model.Integration) },
			func() any { return new(model.MethodSettings) },
			func() any { return new(apiKeyBody) },
		} {
			r, err := http.NewRequest("PUT", "/v1/x", strings.NewReader(body))
			if err != nil {
				t.Skip()
			}
			r.Header.Set("Content-Type", contentType)
			v := target()
			err = decode(r, v)
			if err != nil {
				var ce *control.Error
				if !errors.As(err, &ce) || (ce.Status != http.StatusBadRequest && ce.Status != http.StatusUnsupportedMediaType) {
					t.Fatalf("decode(%q) = %v, want a 400 or 415 control.Error", body, err)
				}
				continue
			}
			again := target()
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("re-encoding %T: %v", v, err)
			}
			if err := json.Unmarshal(out, again); err != nil {
				t.Fatalf("decoding %s again: %v", out, err)
			}
			if diff := cmp.Diff(v, again); diff != "" {
				t.Fatalf("round trip of %q changed it (-first +second):\n%s", body, diff)
			}
		}
	})
}

// FuzzPrecondition: If-Match and If-None-Match are accepted only in their documented forms.
func FuzzPrecondition(f *testing.F) {
	for _, s := range [][2]string{{`"3"`, ""}, {`W/"3"`, ""}, {"", "*"}, {`"x"`, ""}, {`"0"`, ""}, {"", "etag"}, {`"-1"`, "*"}, {`"99999999999999999999"`, ""}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, ifMatch, ifNoneMatch string) {
		r, err := http.NewRequest("PUT", "/v1/x", nil)
		if err != nil {
			t.Skip()
		}
		if ifMatch != "" {
			r.Header["If-Match"] = []string{ifMatch}
		}
		if ifNoneMatch != "" {
			r.Header["If-None-Match"] = []string{ifNoneMatch}
		}
		p, err := precondition(r)
		if err != nil {
			var ce *control.Error
			if !errors.As(err, &ce) || ce.Status != http.StatusBadRequest {
				t.Fatalf("precondition(%q, %q) = %v, want a 400", ifMatch, ifNoneMatch, err)
			}
			return
		}
		if p.IfMatch < 0 || (p.IfMatch > 0) != (strings.TrimSpace(ifMatch) != "") {
			t.Fatalf("precondition(%q, %q) = %+v", ifMatch, ifNoneMatch, p)
		}
		if p.IfNoneMatch != (strings.TrimSpace(ifNoneMatch) == "*") {
			t.Fatalf("precondition(%q, %q) = %+v", ifMatch, ifNoneMatch, p)
		}
	})
}
