package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/daemon"
)

// This file holds the operator commands that talk to a running gatewayd through its admin API, such as
// rollback: made to be typed at 3 a.m., so they find the admin API and its token the way serve left
// them unless told otherwise.

// adminFlags are the flags every admin command takes.
type adminFlags struct {
	*flag.FlagSet
	adminURL, token, dataDir *string
	timeout                  *time.Duration
	usage                    string
}

func newAdminFlags(name, usage string) *adminFlags {
	fs := flag.NewFlagSet("gatewayd "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := &adminFlags{FlagSet: fs, usage: usage}
	addr := os.Getenv(envName("admin-addr"))
	if addr == "" {
		addr = "127.0.0.1:9080"
	}
	f.adminURL = fs.String("admin-url", envOr("admin-url", "http://"+addr), "base URL of the admin API (env GATEWAYD_ADMIN_URL; default http:// and GATEWAYD_ADMIN_ADDR, else http://127.0.0.1:9080)")
	f.token = fs.String("admin-token", os.Getenv(envName("admin-token")), "admin API bearer token (env GATEWAYD_ADMIN_TOKEN; default: read from DATA_DIR/admin-token)")
	f.dataDir = fs.String("data-dir", envOr("data-dir", "./gatewayd-data"), "data directory whose admin-token file holds the token when --admin-token is not given (env GATEWAYD_DATA_DIR)")
	f.timeout = fs.Duration("timeout", 30*time.Second, "how long to wait for the admin API")
	return f
}

func envOr(flagName, def string) string {
	if v, ok := os.LookupEnv(envName(flagName)); ok {
		return v
	}
	return def
}

// parse parses flags and positional arguments in any order and returns the positional ones; a
// request for help is errHelp after the usage has been written to stdout.
func (f *adminFlags) parse(args []string, stdout io.Writer) ([]string, error) {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				f.printUsage(stdout)
				return nil, errHelp
			}
			return nil, fmt.Errorf("%w; usage: %s", err, f.usage)
		}
		if f.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, f.Arg(0))
		args = f.Args()[1:]
	}
}

var errHelp = errors.New("help printed")

func (f *adminFlags) printUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s\n\nFlags:\n", f.usage)
	f.VisitAll(func(fl *flag.Flag) {
		fmt.Fprintf(w, "  --%s\n        %s\n", fl.Name, fl.Usage)
	})
}

// client returns a client of the admin API; the token comes from --admin-token, GATEWAYD_ADMIN_TOKEN,
// or the file serve generated in the data directory.
func (f *adminFlags) client() (*client.Client, error) {
	token := strings.TrimSpace(*f.token)
	if token == "" {
		path := filepath.Join(*f.dataDir, daemon.TokenFile)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("no admin token: give --admin-token (or GATEWAYD_ADMIN_TOKEN), or --data-dir of the gatewayd whose %s holds it: %w", daemon.TokenFile, err)
		}
		token = strings.TrimSpace(string(b))
	}
	// An operator's call should fail fast rather than retry for minutes behind a dead listener.
	return client.New(*f.adminURL, token, client.Options{UserAgent: "gatewayd-cli/" + version, RetryMax: 2, Timeout: *f.timeout})
}

func (f *adminFlags) context(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, *f.timeout)
}
