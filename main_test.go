package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestQuietSDKLogs(t *testing.T) {
	off := map[string]string{"TF_LOG_SDK": "OFF", "TF_LOG_SDK_PROTO": "OFF", "TF_LOG_SDK_FRAMEWORK": "OFF", "TF_LOG_PROVIDER": "OFF"}
	tests := []struct {
		name string
		env  map[string]string
		want map[string]string
	}{
		{name: "terraform discards provider logs", env: map[string]string{}, want: off},
		{name: "TF_LOG set", env: map[string]string{"TF_LOG": "DEBUG"}, want: map[string]string{"TF_LOG": "DEBUG"}},
		{name: "TF_LOG_PROVIDER set", env: map[string]string{"TF_LOG_PROVIDER": "TRACE"}, want: map[string]string{"TF_LOG_PROVIDER": "TRACE"}},
		{name: "empty TF_LOG counts as unset", env: map[string]string{"TF_LOG": ""},
			want: map[string]string{"TF_LOG": "", "TF_LOG_SDK": "OFF", "TF_LOG_SDK_PROTO": "OFF", "TF_LOG_SDK_FRAMEWORK": "OFF", "TF_LOG_PROVIDER": "OFF"}},
		{name: "a level the user chose is kept", env: map[string]string{"TF_LOG_SDK_PROTO": "WARN"},
			want: map[string]string{"TF_LOG_SDK": "OFF", "TF_LOG_SDK_PROTO": "WARN", "TF_LOG_SDK_FRAMEWORK": "OFF", "TF_LOG_PROVIDER": "OFF"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range tt.env {
				env[k] = v
			}
			lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
			set := func(k, v string) error { env[k] = v; return nil }
			quietSDKLogs(lookup, set)
			if diff := cmp.Diff(tt.want, env); diff != "" {
				t.Errorf("environment after quietSDKLogs (-want +got):\n%s", diff)
			}
		})
	}
}
