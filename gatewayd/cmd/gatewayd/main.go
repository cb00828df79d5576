// Command gatewayd is a self-hosted API gateway managed through its admin API (and so with Terraform).
//
//	gatewayd serve [flags]   run the admin API and the data plane
//	gatewayd rollback API STAGE [DEPLOYMENT]
//	                         point a stage back at an earlier deployment through the admin API
//	gatewayd history API STAGE
//	                         a stage's latest deployment changes, each with what it changed
//	gatewayd diff API FROM TO
//	                         what differs between two deployments
//	gatewayd version         print the version
//	gatewayd help [serve]    print the usage, or the flags of serve
//
// Every flag of serve can also be set with an environment variable: --data-dir is GATEWAYD_DATA_DIR,
// and so on. A flag given on the command line wins over the environment.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/acmeissuer"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/daemon"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/awsapi"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gatewayd:", err)
		os.Exit(1)
	}
}

// usage is the top-level help: gatewayd help, gatewayd --help.
const usage = `gatewayd is a self-hosted API gateway managed through its admin API (and so with Terraform).

Usage:
  gatewayd serve [flags]   run the admin API and the data plane until SIGINT or SIGTERM
  gatewayd rollback [flags] API STAGE [DEPLOYMENT]
                           point a stage back at DEPLOYMENT, or at the one it served before,
                           through the admin API (gatewayd rollback --help lists the flags)
  gatewayd history [flags] API STAGE
                           a stage's latest deployment changes, each with what it changed
  gatewayd diff [flags] API FROM TO
                           what differs between two deployments of an API
  gatewayd version         print the version
  gatewayd help [serve]    print this help, or the flags of serve

Every flag of serve can also be set with an environment variable: GATEWAYD_ and the flag's name in
capitals, - as _ (--data-dir is GATEWAYD_DATA_DIR). A flag on the command line wins over the
environment. gatewayd serve --help lists the flags.
`

// shortUsage ends the errors of a command line that gatewayd does not understand.
const shortUsage = "usage: gatewayd serve [flags] | gatewayd rollback|history|diff [flags] ARGS | gatewayd version | gatewayd help"

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(shortUsage)
	}
	switch args[0] {
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "gatewayd", version)
		return nil
	case "help", "--help", "-help", "-h", "--h":
		if len(args) > 1 && args[1] == "serve" {
			return serve(ctx, []string{"--help"}, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return nil
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "rollback":
		return rollback(ctx, args[1:], stdout)
	case "history":
		return history(ctx, args[1:], stdout)
	case "diff":
		return diff(ctx, args[1:], stdout)
	}
	return fmt.Errorf("unknown command %q; %s", args[0], shortUsage)
}

// envName is the environment variable of a flag of serve.
func envName(flagName string) string {
	return "GATEWAYD_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// serveFlags is the flag set of serve. Each flag's value can also come from its environment variable.
type serveFlags struct {
	*flag.FlagSet
	// defaults are the built-in defaults, for the help; a flag's DefValue is the environment's value
	// when that is set.
	defaults map[string]string
}

// envString registers a string flag whose default comes from its environment variable when set.
func (s *serveFlags) envString(name, def, usage string) *string {
	s.defaults[name] = def
	if v, ok := os.LookupEnv(envName(name)); ok {
		def = v
	}
	return s.String(name, def, usage)
}

// envBool registers a boolean flag (given bare, or =true/=false) whose default comes from its
// environment variable when set; an environment value that is no boolean is an error.
func (s *serveFlags) envBool(name, usage string) (*bool, error) {
	s.defaults[name] = "false"
	def := false
	if v, ok := os.LookupEnv(envName(name)); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("%s must be true or false, got %q", envName(name), v)
		}
		def = b
	}
	return s.Bool(name, def, usage), nil
}

// printUsage writes serve's help: every flag with its environment variable and built-in default.
func (s *serveFlags) printUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: gatewayd serve [flags]

Runs the admin API and the data plane until SIGINT or SIGTERM. Each flag can also be set with the
environment variable shown; a flag on the command line wins over the environment.

Flags:
`)
	s.VisitAll(func(f *flag.Flag) {
		fmt.Fprintf(w, "  --%s\n        %s\n        (env %s; default %q)\n", f.Name, f.Usage, envName(f.Name), s.defaults[f.Name])
	})
}

// awsEndpointFlags are the services with an --aws-endpoint-url-FLAG of their own (FLAG the AWS SDKs'
// service id, as in AWS_ENDPOINT_URL_<ID>); others take --aws-endpoint-url or their variable.
var awsEndpointFlags = []struct{ flag, service, name string }{
	{"lambda", "lambda", "AWS Lambda (functions of Lambda ARN URIs)"},
	{"dynamodb", "dynamodb", "DynamoDB"},
	{"sfn", "states", "Step Functions"},
	{"sqs", "sqs", "SQS"},
	{"sns", "sns", "SNS"},
	{"sts", "sts", "STS (assuming the roles integrations name in credentials)"},
}

func validEndpoint(flag, v string) error {
	if v == "" {
		return nil
	}
	if err := awsapi.ValidateEndpointURL(v); err != nil {
		return fmt.Errorf("--%s %w", flag, err)
	}
	return nil
}

func derefAll(m map[string]*string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if *v != "" {
			out[k] = *v
		}
	}
	return out
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := &serveFlags{FlagSet: flag.NewFlagSet("gatewayd serve", flag.ContinueOnError), defaults: map[string]string{}}
	// Parse's own messages are not printed: its errors are returned, and --help prints printUsage.
	fs.SetOutput(io.Discard)
	dataDir := fs.envString("data-dir", "./gatewayd-data", "directory of the embedded database and generated token")
	storeURL := fs.envString("store", "", "where the configuration is kept: empty for the embedded SQLite database in the data dir, or a postgres:// URL of a PostgreSQL database that several gatewayd nodes share")
	redisURL := fs.envString("redis", "", "a redis:// URL: throttling, quotas, stage caches and authorizer decisions shared by every gatewayd node on that Redis; empty keeps them in each node's memory")
	quotaDown := fs.envString("quota-when-redis-down", "closed", "with --redis, what quotas do while Redis cannot be reached: closed (answer 503) or open (decide on the node's own counts)")
	pollInterval := fs.envString("store-poll-interval", "1s", "with a shared store, how often a node looks for other nodes' changes besides PostgreSQL's notifications")
	adminAddr := fs.envString("admin-addr", "127.0.0.1:9080", "admin API listen address")
	listen := fs.envString("listen", "127.0.0.1:8080", "data plane listen address")
	token := fs.envString("admin-token", "", "admin API bearer token; generated into the data dir when empty")
	publicURL := fs.envString("public-url", "", "base URL of stages' invoke_url when gatewayd sits behind something else; empty is http://<listen>")
	logLevel := fs.envString("log-level", "info", "log level: debug, info, warn or error")
	accountRate := fs.envString("account-rate-limit", "10000", "account-level throttle: requests per second across all stages")
	accountBurst := fs.envString("account-burst-limit", "5000", "account-level throttle: burst (token bucket size)")
	server := fs.envString("server", "fasthttp", "data plane HTTP server: fasthttp or net/http")
	cacheMax := fs.envString("cache-max-bytes", "268435456", "cap on each stage's response cache in bytes, whatever its cache_cluster_size")
	region := fs.envString("region", "us-east-1", "region of the ARNs gatewayd builds and of the SigV4 signatures it accepts")
	awsEndpoint := fs.envString("aws-endpoint-url", "", "endpoint of every AWS service integrations with arn:aws:apigateway URIs call (a local emulator); empty: AWS_ENDPOINT_URL, else AWS's")
	awsEndpoints := map[string]*string{}
	for _, svc := range awsEndpointFlags {
		awsEndpoints[svc.service] = fs.envString("aws-endpoint-url-"+svc.flag, "",
			"endpoint of "+svc.name+", over --aws-endpoint-url; empty: "+awsapi.EnvName(svc.service)+", else --aws-endpoint-url")
	}
	logMaxBytes := fs.envString("access-log-max-bytes", "104857600", "size at which an access or execution log file is rotated")
	logMaxFiles := fs.envString("access-log-max-files", "5", "rotated access or execution log files kept besides the live one")
	tlsListen := fs.envString("tls-listen", "", "data plane TLS listen address (such as 127.0.0.1:8443) for domain names and https; empty is off")
	tlsCert := fs.envString("tls-cert-file", "", "PEM certificate (and chain) of the TLS listener's handshakes that name no domain; empty: issued by the internal CA")
	tlsKey := fs.envString("tls-key-file", "", "PEM private key of --tls-cert-file")
	domainHTTP := fs.envString("domain-http", "redirect", "plain HTTP to a domain name: redirect (301 to https), forbid (403) or serve")
	hstsMaxAge := fs.envString("hsts-max-age", "0", "seconds of Strict-Transport-Security sent over TLS; 0 sends none")
	vpcLinkTargets := fs.envString("vpc-link-targets", "", "backend addresses of the ARN-shaped targets of VPC links: 'ARN=HOST:PORT,HOST:PORT;ARN=...' (targets that are addresses need no entry)")
	acmeTOS, err := fs.envBool("acme-accept-tos", "turns on ACME certificates (validation_method ACME), accepting the ACME CA's terms of service")
	if err != nil {
		return err
	}
	acmeDirectory := fs.envString("acme-directory-url", "", "ACME directory of the CA that issues ACME certificates; empty is Let's Encrypt's production CA ("+acmeissuer.LetsEncryptURL+")")
	acmeEmail := fs.envString("acme-email", "", "contact e-mail of the ACME account (the CA's expiry and policy notices); empty registers none")
	acmeRoot := fs.envString("acme-ca-root", "", "PEM file of root certificates the ACME directory's HTTPS is also trusted with (a private CA); empty: the system's roots")
	acmeChallenges := fs.envString("acme-challenges", "tls-alpn-01,http-01", "ACME challenges answered, in order of preference: tls-alpn-01 (on the TLS listener; the CA connects to port 443) and http-01 (on the plain listener; port 80)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.printUsage(stdout)
			return nil
		}
		return fmt.Errorf("%w (gatewayd serve --help lists the flags)", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	rate, err := strconv.ParseFloat(*accountRate, 64)
	if err != nil || rate < 0 {
		return fmt.Errorf("--account-rate-limit must be a number of requests per second, got %q", *accountRate)
	}
	burst, err := strconv.Atoi(*accountBurst)
	if err != nil || burst < 0 {
		return fmt.Errorf("--account-burst-limit must be a whole number, got %q", *accountBurst)
	}
	cacheMaxBytes, err := strconv.ParseInt(*cacheMax, 10, 64)
	if err != nil || cacheMaxBytes <= 0 {
		return fmt.Errorf("--cache-max-bytes must be a positive number of bytes, got %q", *cacheMax)
	}
	poll, err := time.ParseDuration(*pollInterval)
	if err != nil || poll <= 0 {
		return fmt.Errorf("--store-poll-interval must be a positive duration such as 1s, got %q", *pollInterval)
	}
	if *redisURL != "" && !strings.HasPrefix(*redisURL, "redis://") && !strings.HasPrefix(*redisURL, "rediss://") {
		return errors.New("--redis must be empty or a redis:// (rediss:// for TLS) URL")
	}
	if *quotaDown != "closed" && *quotaDown != "open" {
		return fmt.Errorf("--quota-when-redis-down must be closed or open, got %q", *quotaDown)
	}
	if *storeURL != "" && !strings.HasPrefix(*storeURL, "postgres://") && !strings.HasPrefix(*storeURL, "postgresql://") {
		return errors.New("--store must be empty (the embedded SQLite database in the data dir) or a postgres:// URL")
	}
	if err := validEndpoint("aws-endpoint-url", *awsEndpoint); err != nil {
		return err
	}
	for _, svc := range awsEndpointFlags {
		if err := validEndpoint("aws-endpoint-url-"+svc.flag, *awsEndpoints[svc.service]); err != nil {
			return err
		}
	}
	accessLogMaxBytes, err := strconv.ParseInt(*logMaxBytes, 10, 64)
	if err != nil || accessLogMaxBytes <= 0 {
		return fmt.Errorf("--access-log-max-bytes must be a positive number of bytes, got %q", *logMaxBytes)
	}
	accessLogMaxFiles, err := strconv.Atoi(*logMaxFiles)
	if err != nil || accessLogMaxFiles <= 0 {
		return fmt.Errorf("--access-log-max-files must be a positive whole number, got %q", *logMaxFiles)
	}
	hsts, err := strconv.Atoi(*hstsMaxAge)
	if err != nil || hsts < 0 {
		return fmt.Errorf("--hsts-max-age must be a whole number of seconds, got %q", *hstsMaxAge)
	}
	linkTargets, err := model.ParseVPCLinkTargetMap(*vpcLinkTargets)
	if err != nil {
		return fmt.Errorf("--vpc-link-targets: %w", err)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))

	d, err := daemon.Start(ctx, daemon.Config{DataDir: *dataDir, Store: *storeURL, Redis: *redisURL, QuotaFailOpen: *quotaDown == "open", PollInterval: poll, AdminAddr: *adminAddr, Listen: *listen,
		AdminToken: *token, PublicURL: *publicURL, AccountRateLimit: rate, AccountBurstLimit: burst,
		CacheMaxBytes: cacheMaxBytes, Server: *server, Region: *region, Logger: log,
		AccessLogMaxBytes: accessLogMaxBytes, AccessLogMaxFiles: accessLogMaxFiles,
		TLSListen: *tlsListen, TLSCertFile: *tlsCert, TLSKeyFile: *tlsKey, DomainHTTP: *domainHTTP, HSTSMaxAge: hsts,
		AWSEndpointURL: *awsEndpoint, AWSEndpointURLs: derefAll(awsEndpoints), VPCLinkTargets: linkTargets,
		ACMEAcceptTOS: *acmeTOS, ACMEDirectoryURL: *acmeDirectory, ACMEEmail: *acmeEmail, ACMECARoot: *acmeRoot,
		ACMEChallenges: strings.Split(*acmeChallenges, ",")})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "gatewayd %s\n  admin API:  %s\n  data plane: %s\n", version, d.AdminURL, d.DataURL)
	if d.TLSURL != "" {
		fmt.Fprintf(stdout, "  data plane: %s (internal CA: %s)\n", d.TLSURL, d.CAFile)
	}
	if d.TokenPath != "" {
		fmt.Fprintf(stdout, "  admin token: in %s\n", d.TokenPath)
	}
	select {
	case <-ctx.Done():
	case err := <-d.Err():
		log.Error("listener stopped", "err", err)
	}
	fmt.Fprintln(stdout, "gatewayd: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return d.Shutdown(sctx)
}
