package router

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "/", want: "/"},
		{in: "/secret", want: "/secret"},
		{in: "//secret", want: "/secret"},
		{in: "/x/../secret", want: "/secret"},
		{in: "/x/%2e%2e/secret", want: "/secret"},
		{in: "/x/%2E%2E/secret", want: "/secret"},
		{in: "/x/.%2e/secret", want: "/secret"},
		{in: "/secret/.", want: "/secret/"},
		{in: "/./secret", want: "/secret"},
		{in: "/../../secret", want: "/secret"},
		{in: "/%73ecret", want: "/secret"},
		{in: "/a//b///c", want: "/a/b/c"},
		{in: "/a/b/", want: "/a/b/"},
		{in: "/a/b/..", want: "/a/"},
		{in: "/a/.b/..c", want: "/a/.b/..c"},
		{in: "/a%20b", want: "/a%20b"},
		{in: "/a%3a%7e", want: "/a%3A~"},
		{in: "/x/..", want: "/"},
		{in: "/secret;x", wantErr: true},
		{in: "/secret%2f", wantErr: true},
		{in: "/secret%2F..", wantErr: true},
		{in: "/x%5c..%5csecret", wantErr: true},
		{in: `/x\secret`, wantErr: true},
		{in: "/secret%00", wantErr: true},
		{in: "/secret%0d%0a", wantErr: true},
		{in: "/secret%7f", wantErr: true},
		{in: "/secret%", wantErr: true},
		{in: "/secret%zz", wantErr: true},
		{in: "/secret%2", wantErr: true},
		{in: "secret", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Normalize(tc.in)
			if tc.wantErr {
				if err == nil {
					t.Errorf("Normalize(%q) = %q, want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("Normalize(%q) = %q, %v, want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestNormalizeCleanPathAllocatesNothing(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { Normalize("/pets/42/owners/a%20b") }); n != 0 {
		t.Errorf("Normalize of a clean path allocated %v times", n)
	}
}

// FuzzNormalize checks Normalize's promises on any input: what it returns is canonical (normalizing it
// again changes nothing) and holds no empty or dot segment, no encoded unreserved character, no ";",
// no backslash and no encoded slash.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"/", "//secret", "/x/../secret", "/x/%2e%2e/secret", "/secret/.", "/secret;x",
		"/secret%2f", "/a/b/", "/%7e%41", "/a/./b/../../c", "/%2e%2e/%2e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := Normalize(in)
		if err != nil {
			return
		}
		again, err := Normalize(out)
		if err != nil || again != out {
			t.Fatalf("Normalize(%q) = %q, but Normalize(%q) = %q, %v", in, out, out, again, err)
		}
		if !strings.HasPrefix(out, "/") || strings.Contains(out, "//") || strings.ContainsAny(out, `;\`) {
			t.Fatalf("Normalize(%q) = %q", in, out)
		}
		for _, seg := range strings.Split(out[1:], "/") {
			if seg == "." || seg == ".." {
				t.Fatalf("Normalize(%q) = %q holds a dot segment", in, out)
			}
		}
		for i := 0; i+2 < len(out); i++ {
			if out[i] == '%' {
				hi, _ := unhex(out[i+1])
				lo, _ := unhex(out[i+2])
				if d := hi<<4 | lo; unreserved(d) || d == '/' || d == '\\' || d < 0x20 {
					t.Fatalf("Normalize(%q) = %q keeps the escape %s", in, out, out[i:i+3])
				}
			}
		}
	})
}
