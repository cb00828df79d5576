package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantOut string
		wantErr string
	}{
		{"version", []string{"version"}, "gatewayd dev\n", ""},
		{"no command", nil, "", "usage: gatewayd serve"},
		{"unknown command", []string{"start"}, "", `unknown command "start"`},
		{"unknown flag", []string{"serve", "--nope"}, "", "flag provided but not defined: -nope"},
		{"bad rate", []string{"serve", "--account-rate-limit", "fast"}, "", "--account-rate-limit must be a number"},
		{"bad burst", []string{"serve", "--account-burst-limit", "-1"}, "", "--account-burst-limit must be a whole number"},
		{"bad log level", []string{"serve", "--log-level", "loud"}, "", "--log-level"},
		{"stray argument", []string{"serve", "extra"}, "", `unexpected arguments ["extra"]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tc.args, &out, &errOut)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("run(%q) = %v", tc.args, err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("run(%q) = %v, want an error containing %q", tc.args, err, tc.wantErr)
			}
			if out.String() != tc.wantOut {
				t.Errorf("run(%q) printed %q, want %q", tc.args, out.String(), tc.wantOut)
			}
		})
	}
}
