package upstream

import (
	"bufio"
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// parseFields reads "name:value" lines; a name seen again gets one more value.
func parseFields(s string) http.Header {
	h := http.Header{}
	for l := range strings.SplitSeq(s, "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok {
			h[k] = append(h[k], v)
		}
	}
	return h
}

// FuzzForward: for any Set, Header and Forward headers that validRequestHeaders accepts, writeRequest
// sends exactly the header lines SentHeader shows (but for the framing ones it writes itself), and
// none other.
func FuzzForward(f *testing.F) {
	f.Add("X-Own:own", "X-Own:mapped\nX-Mapped:m", "Connection:x-secret, keep-alive\nX-Secret:s\nKeep-Alive:5\nX-Kept:k\nHost:h")
	f.Add("", "Host:mapped\nContent-Length:1", "X-A:1\nX-A:2\nConnection:x-a")
	f.Add("X-Forwarded-For:1", "", "X-B:v\r\nX-Injected: 1")
	f.Fuzz(func(t *testing.T, setText, headerText, forwardText string) {
		var set []Field
		for k, vv := range parseFields(setText) {
			set = append(set, Field{Name: k, Value: vv[0]})
		}
		req := &Request{Method: "GET", Addr: "backend:80", URI: "/", Set: set, Header: parseFields(headerText),
			Forward: parseFields(forwardText), ForwardSkip: map[string]bool{"Connection": true, "Keep-Alive": true, "Host": true}}
		if validRequestHeaders(req) != nil {
			return
		}
		var buf bytes.Buffer
		if err := writeRequest(bufio.NewWriter(&buf), req); err != nil {
			t.Fatal(err)
		}
		sent := http.Header{}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\r\n\r\n"), "\r\n")
		for _, l := range lines[2:] {
			k, v, _ := strings.Cut(l, ": ")
			sent[k] = append(sent[k], v)
		}
		shown := http.Header{}
		for k, vv := range req.SentHeader() {
			if len(vv) > 0 && !framing(k) {
				shown[k] = vv
			}
		}
		if len(set) > 0 {
			// Set has one value per name, and it wins.
			for _, f := range set {
				if !framing(f.Name) && strings.Join(sent[f.Name], "\n") != f.Value {
					t.Fatalf("Set %s: %q sent %q", f.Name, f.Value, sent[f.Name])
				}
			}
		}
		if !cmp.Equal(sent, shown) {
			t.Fatalf("sent %q, SentHeader shows %q", sent, shown)
		}
	})
}

// TestForward: a request's Set headers win over Header's, which win over Forward's; Forward's
// headers in ForwardSkip or named by its Connection header are not sent; what writeRequest sends is
// what SentHeader shows; and only headers sent are validated.
func TestForward(t *testing.T) {
	skip := map[string]bool{"Connection": true, "Keep-Alive": true, "X-Forwarded-For": true, "Host": true}
	set := []Field{{Name: "X-Forwarded-For", Value: "10.0.0.1"}, {Name: "X-Own", Value: "own"}}
	tests := []struct {
		name            string
		set             []Field
		header, forward http.Header
		want            http.Header
		wantErr         string
	}{
		{name: "header alone", header: http.Header{"X-A": {"1", "2"}}, want: http.Header{"X-A": {"1", "2"}}},
		{name: "precedence", set: set,
			header:  http.Header{"X-Own": {"mapped"}, "X-Mapped": {"m"}, "X-Both": {"mapped"}},
			forward: http.Header{"X-Own": {"client"}, "X-Both": {"client"}, "X-Client": {"c"}, "X-Forwarded-For": {"6.6.6.6"}},
			want:    http.Header{"X-Forwarded-For": {"10.0.0.1"}, "X-Own": {"own"}, "X-Mapped": {"m"}, "X-Both": {"mapped"}, "X-Client": {"c"}}},
		{name: "an empty mapped header hides the client's", header: http.Header{"X-Both": nil}, forward: http.Header{"X-Both": {"client"}},
			want: http.Header{}},
		{name: "skipped and Connection-named", set: set,
			header:  http.Header{"X-Secret": {"mapped"}},
			forward: http.Header{"Connection": {"x-secret, keep-alive", "X-Other"}, "X-Secret": {"s"}, "X-Other": {"o"}, "Keep-Alive": {"5"}, "Host": {"h"}, "X-Kept": {"k"}},
			want:    http.Header{"X-Forwarded-For": {"10.0.0.1"}, "X-Own": {"own"}, "X-Secret": {"mapped"}, "X-Kept": {"k"}}},
		{name: "invalid forwarded value", forward: http.Header{"X-A": {"v\r\nX-Injected: 1"}}, wantErr: "invalid value of header X-A"},
		{name: "invalid forwarded name", forward: http.Header{"X A": {"v"}}, wantErr: `invalid header name "X A"`},
		{name: "invalid value not forwarded", forward: http.Header{"Connection": {"X-A"}, "X-A": {"v\r\nX-Injected: 1"}, "Keep-Alive": {"\n"}},
			want: http.Header{}},
		{name: "invalid mapped value a Set header overrides", set: set, header: http.Header{"X-Own": {"v\nX-Injected: 1"}},
			want: http.Header{"X-Forwarded-For": {"10.0.0.1"}, "X-Own": {"own"}}},
		{name: "invalid Set value", set: []Field{{Name: "X-Own", Value: "v\x00"}}, wantErr: "invalid value of header X-Own"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := &Request{Method: "GET", Addr: "backend:80", URI: "/", Set: tc.set, Header: tc.header, Forward: tc.forward, ForwardSkip: skip}
			err := validRequestHeaders(req)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("validRequestHeaders = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := writeRequest(bufio.NewWriter(&buf), req); err != nil {
				t.Fatal(err)
			}
			sent := http.Header{}
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\r\n\r\n"), "\r\n")
			for _, l := range lines[2:] { // after the request line and Host
				k, v, _ := strings.Cut(l, ": ")
				sent[k] = append(sent[k], v)
			}
			if diff := cmp.Diff(tc.want, sent); diff != "" {
				t.Errorf("sent headers (-want +got):\n%s", diff)
			}
			shown := req.SentHeader()
			if shown == nil {
				shown = http.Header{}
			}
			for k, vv := range shown {
				if len(vv) == 0 {
					delete(shown, k) // nothing of it is written
				}
			}
			if diff := cmp.Diff(sent, shown); diff != "" {
				t.Errorf("SentHeader differs from what was sent (-sent +SentHeader):\n%s", diff)
			}
		})
	}
}
