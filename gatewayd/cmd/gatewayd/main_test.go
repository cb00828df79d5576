package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMain runs main itself when the test binary is started by TestExitStatus.
func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv("GATEWAYD_TEST_MAIN_ARGS"); ok {
		os.Args = append([]string{"gatewayd"}, strings.Fields(args)...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

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
		{"unknown flag", []string{"serve", "--nope"}, "", "flag provided but not defined: -nope (gatewayd serve --help lists the flags)"},
		{"bad rate", []string{"serve", "--account-rate-limit", "fast"}, "", "--account-rate-limit must be a number"},
		{"bad burst", []string{"serve", "--account-burst-limit", "-1"}, "", "--account-burst-limit must be a whole number"},
		{"bad log level", []string{"serve", "--log-level", "loud"}, "", "--log-level"},
		{"bad log size", []string{"serve", "--access-log-max-bytes", "0"}, "", "--access-log-max-bytes must be a positive number of bytes"},
		{"bad log files", []string{"serve", "--access-log-max-files", "many"}, "", "--access-log-max-files must be a positive whole number"},
		{"stray argument", []string{"serve", "extra"}, "", `unexpected arguments ["extra"]`},
		{"bad store", []string{"serve", "--store", "mysql://db"}, "", "--store must be empty (the embedded SQLite database in the data dir) or a postgres:// URL"},
		{"bad redis", []string{"serve", "--redis", "localhost:6379"}, "", "--redis must be empty or a redis://"},
		{"bad quota policy", []string{"serve", "--quota-when-redis-down", "maybe"}, "", "--quota-when-redis-down must be closed or open"},
		{"bad poll interval", []string{"serve", "--store-poll-interval", "0s"}, "", "--store-poll-interval must be a positive duration"},
		{"acme without terms", []string{"serve", "--data-dir", t.TempDir(), "--acme-directory-url", "https://ca.example.test/dir"}, "", "the --acme-* settings need --acme-accept-tos"},
		{"acme bad challenge", []string{"serve", "--data-dir", t.TempDir(), "--acme-accept-tos", "--acme-challenges", "dns-01"}, "", `ACME challenge "dns-01" is not one gatewayd answers`},
		{"acme plain directory", []string{"serve", "--data-dir", t.TempDir(), "--acme-accept-tos", "--acme-directory-url", "http://ca.example.test/dir"}, "", "the ACME directory URL must be https://"},
		{"bad aws endpoint", []string{"serve", "--aws-endpoint-url-lambda", "127.0.0.1:9001"}, "", `--aws-endpoint-url-lambda must be an http:// or https:// URL with a host, such as http://127.0.0.1:4566, got "127.0.0.1:9001"`},
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

// serveFlagHelp is what serve's help must say of each flag: its environment variable and default.
var serveFlagHelp = []struct{ flag, env, def string }{
	{"--data-dir", "GATEWAYD_DATA_DIR", `"./gatewayd-data"`},
	{"--store", "GATEWAYD_STORE", `""`},
	{"--store-poll-interval", "GATEWAYD_STORE_POLL_INTERVAL", `"1s"`},
	{"--redis", "GATEWAYD_REDIS", `""`},
	{"--quota-when-redis-down", "GATEWAYD_QUOTA_WHEN_REDIS_DOWN", `"closed"`},
	{"--admin-addr", "GATEWAYD_ADMIN_ADDR", `"127.0.0.1:9080"`},
	{"--listen", "GATEWAYD_LISTEN", `"127.0.0.1:8080"`},
	{"--admin-token", "GATEWAYD_ADMIN_TOKEN", `""`},
	{"--public-url", "GATEWAYD_PUBLIC_URL", `""`},
	{"--log-level", "GATEWAYD_LOG_LEVEL", `"info"`},
	{"--account-rate-limit", "GATEWAYD_ACCOUNT_RATE_LIMIT", `"10000"`},
	{"--account-burst-limit", "GATEWAYD_ACCOUNT_BURST_LIMIT", `"5000"`},
	{"--server", "GATEWAYD_SERVER", `"fasthttp"`},
	{"--cache-max-bytes", "GATEWAYD_CACHE_MAX_BYTES", `"268435456"`},
	{"--aws-endpoint-url", "GATEWAYD_AWS_ENDPOINT_URL", `""`},
	{"--aws-endpoint-url-lambda", "GATEWAYD_AWS_ENDPOINT_URL_LAMBDA", `""`},
	{"--aws-endpoint-url-sfn", "GATEWAYD_AWS_ENDPOINT_URL_SFN", `""`},
	{"--access-log-max-bytes", "GATEWAYD_ACCESS_LOG_MAX_BYTES", `"104857600"`},
	{"--access-log-max-files", "GATEWAYD_ACCESS_LOG_MAX_FILES", `"5"`},
}

func TestHelp(t *testing.T) {
	// The help shows built-in defaults, not the environment's values (which may hold the token).
	t.Setenv("GATEWAYD_ADMIN_TOKEN", "secret-from-env")
	t.Setenv("GATEWAYD_LISTEN", "127.0.0.1:1")
	for _, args := range [][]string{{"serve", "--help"}, {"serve", "-h"}, {"serve", "-help"}, {"help", "serve"}, {"serve", "--listen", "x", "--help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if err := run(context.Background(), args, &out, &errOut); err != nil {
				t.Fatalf("run(%q) = %v, want nil (exit 0)", args, err)
			}
			help := out.String()
			if !strings.HasPrefix(help, "Usage: gatewayd serve [flags]\n") {
				t.Errorf("run(%q) printed %q, want serve's usage", args, help)
			}
			lines := strings.Split(help, "\n")
			for _, f := range serveFlagHelp {
				i := indexOf(lines, "  "+f.flag)
				if i < 0 || i+2 >= len(lines) {
					t.Errorf("serve's help does not list %s:\n%s", f.flag, help)
					continue
				}
				if want := "(env " + f.env + "; default " + f.def + ")"; strings.TrimSpace(lines[i+2]) != want {
					t.Errorf("serve's help for %s says %q, want %q", f.flag, strings.TrimSpace(lines[i+2]), want)
				}
			}
			if strings.Contains(help, "secret-from-env") {
				t.Error("serve's help printed the token from the environment")
			}
			if errOut.Len() > 0 {
				t.Errorf("run(%q) wrote to stderr: %q", args, errOut.String())
			}
		})
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, &out, &errOut); err != nil {
			t.Fatalf("run(%q) = %v, want nil (exit 0)", args, err)
		}
		for _, want := range []string{"gatewayd serve [flags]", "gatewayd version", "gatewayd help [serve]", "GATEWAYD_DATA_DIR"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("run(%q) printed %q, want it to mention %q", args, out.String(), want)
			}
		}
	}
}

func indexOf(lines []string, s string) int {
	for i, l := range lines {
		if l == s {
			return i
		}
	}
	return -1
}

// TestExitStatus runs main in a child process: help exits 0 on stdout, a bad flag 1 on stderr.
func TestExitStatus(t *testing.T) {
	tests := []struct {
		args               string
		wantCode           int
		wantStdout, wantIn string
	}{
		{"serve --help", 0, "Usage: gatewayd serve [flags]", ""},
		{"--help", 0, "gatewayd serve [flags]", ""},
		{"help", 0, "gatewayd serve [flags]", ""},
		{"serve --nope", 1, "", "gatewayd: flag provided but not defined: -nope"},
	}
	for _, tc := range tests {
		t.Run(tc.args, func(t *testing.T) {
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), "GATEWAYD_TEST_MAIN_ARGS="+tc.args)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.wantCode {
				t.Errorf("gatewayd %s exited %d, want %d; stderr %q", tc.args, code, tc.wantCode, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.wantStdout) {
				t.Errorf("gatewayd %s printed %q on stdout, want %q", tc.args, stdout.String(), tc.wantStdout)
			}
			if !strings.Contains(stderr.String(), tc.wantIn) {
				t.Errorf("gatewayd %s printed %q on stderr, want %q", tc.args, stderr.String(), tc.wantIn)
			}
			if strings.Contains(stdout.String()+stderr.String(), "help requested") {
				t.Errorf("gatewayd %s printed flag's \"help requested\"", tc.args)
			}
		})
	}
}
