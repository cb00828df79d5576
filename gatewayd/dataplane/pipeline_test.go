package dataplane

import (
	"testing"
	"unsafe"
)

func TestContextPath(t *testing.T) {
	tests := []struct {
		name, full, stage, path string
		shared                  bool // the result is a slice of full
	}{
		{"api path", "/api1/prod/items/42", "prod", "/items/42", true},
		{"stage root", "/api1/prod", "prod", "/", false},
		{"stage root with slash", "/api1/prod/", "prod", "/", true},
		{"base path mapping", "/v1/items/42", "prod", "/items/42", false},
		{"stage name elsewhere", "/api1/xprod/items", "prod", "/items", false},
		{"no slash before the stage", "/api1prod/items", "prod", "/items", false},
		{"shorter than the result", "/a", "prod", "/items", false},
		{"empty", "", "prod", "/", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := contextPath(tc.full, tc.stage, tc.path)
			if want := "/" + tc.stage + tc.path; got != want {
				t.Errorf("contextPath(%q, %q, %q) = %q, want %q", tc.full, tc.stage, tc.path, got, want)
			}
			if shared := len(got) > 0 && len(tc.full) >= len(got) && unsafe.StringData(got) == unsafe.StringData(tc.full[len(tc.full)-len(got):]); shared != tc.shared {
				t.Errorf("result is a slice of the request path: %v, want %v", shared, tc.shared)
			}
		})
	}
}

func BenchmarkContextPath(b *testing.B) {
	full, stage, path := "/api1/prod/items/42", "prod", "/items/42"
	b.ReportAllocs()
	for b.Loop() {
		sink = contextPath(full, stage, path)
	}
}

var sink string
