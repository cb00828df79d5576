// Package awsapi sends the data plane's calls of AWS service APIs (integrations and authorizers whose
// uri is an arn:aws:apigateway ARN): it finds each service's endpoint (AWS's, or the operator's
// override for a local emulator) and signs requests with SigV4.
//
// Signing and credentials are the AWS SDK for Go v2's: its v4 signer, its default credential chain
// (environment, shared config and credentials files, then container and instance roles), loaded once,
// and STS AssumeRole for an integration's credentials, each behind the SDK's credentials cache, so that a
// request reads credentials from memory and the SDK refreshes them before they expire.
package awsapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/upstream"
)

// Options configure a Client.
type Options struct {
	// Region is the region of STS calls (assuming roles) and of the default configuration; the region
	// a call is signed for is its ARN's. Default us-east-1.
	Region string
	// EndpointURL, when set, is every service's endpoint (--aws-endpoint-url), such as a LocalStack's
	// http://127.0.0.1:4566.
	EndpointURL string
	// EndpointURLs are endpoints of single services, by the ARN's service name (lambda, dynamodb,
	// states, sqs, sns, sts); they win over EndpointURL.
	EndpointURLs map[string]string
	// Getenv reads the AWS SDKs' AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> variables, which the
	// options above win over. Default os.Getenv.
	Getenv func(string) string
	// Now is the signing clock. Default time.Now.
	Now func() time.Time
}

// Client finds endpoints and makes signers. It is safe for concurrent use. The AWS configuration
// (credential chain, shared files) is loaded at the first use, when a stage with an ARN URI is
// compiled, never on the request path.
type Client struct {
	opts   Options
	signer *v4.Signer

	once sync.Once
	cfg  aws.Config
	err  error

	// roles caches an assumed role's credentials by role ARN, shared by every integration and every
	// recompile, so that a redeploy does not call STS again.
	roles sync.Map
}

// New checks the endpoint overrides and returns a client.
func New(opts Options) (*Client, error) {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.EndpointURL != "" {
		if _, err := parseEndpoint(opts.EndpointURL); err != nil {
			return nil, fmt.Errorf("aws endpoint url: %w", err)
		}
	}
	for svc, u := range opts.EndpointURLs {
		if u == "" {
			continue
		}
		if _, err := parseEndpoint(u); err != nil {
			return nil, fmt.Errorf("aws endpoint url of %s: %w", svc, err)
		}
	}
	return &Client{opts: opts, signer: v4.NewSigner()}, nil
}

func (c *Client) config() (aws.Config, error) {
	c.once.Do(func() {
		c.cfg, c.err = config.LoadDefaultConfig(context.Background(), config.WithRegion(c.opts.Region))
		if c.err != nil {
			c.err = fmt.Errorf("loading the AWS configuration: %w", c.err)
		}
	})
	return c.cfg, c.err
}

// Endpoint is where a service's API is reached.
type Endpoint struct {
	// Scheme is http or https; Addr the host:port to dial; Host the Host header (and the signed host).
	Scheme, Addr, Host string
	// BasePath is the endpoint URL's path, prefixed to every request's ("" for none).
	BasePath string
	// Override is true when the operator set the endpoint.
	Override bool
}

// URL returns the endpoint as a URL.
func (e Endpoint) URL() string { return e.Scheme + "://" + e.Host + e.BasePath }

// sdkIDs are the SDKs' service ids, the suffix of AWS_ENDPOINT_URL_<ID>, where they differ from the ARN's
// service name in capitals.
var sdkIDs = map[string]string{"states": "SFN", "events": "EVENTBRIDGE", "logs": "CLOUDWATCH_LOGS"}

// EnvName returns the AWS SDKs' endpoint variable of a service: AWS_ENDPOINT_URL_LAMBDA for lambda.
func EnvName(service string) string {
	id, ok := sdkIDs[service]
	if !ok {
		id = strings.ReplaceAll(strings.ToUpper(service), "-", "_")
	}
	return "AWS_ENDPOINT_URL_" + id
}

// endpointURL is the operator's endpoint for a service, "" for AWS's: the service's option, its
// AWS_ENDPOINT_URL_<ID>, EndpointURL, then AWS_ENDPOINT_URL (unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS).
func (c *Client) endpointURL(service string) string {
	if u := c.opts.EndpointURLs[service]; u != "" {
		return u
	}
	ignoreEnv := strings.EqualFold(c.opts.Getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true")
	if !ignoreEnv {
		if u := c.opts.Getenv(EnvName(service)); u != "" {
			return u
		}
	}
	if c.opts.EndpointURL != "" {
		return c.opts.EndpointURL
	}
	if !ignoreEnv {
		return c.opts.Getenv("AWS_ENDPOINT_URL")
	}
	return ""
}

// Endpoint returns the endpoint of a service in a region and partition: the operator's override, else
// AWS's regional endpoint, https://SERVICE.REGION.amazonaws.com.
func (c *Client) Endpoint(service, region, partition string) (Endpoint, error) {
	if u := c.endpointURL(service); u != "" {
		e, err := parseEndpoint(u)
		if err != nil {
			return Endpoint{}, fmt.Errorf("endpoint url of %s %q: %w", service, u, err)
		}
		e.Override = true
		return e, nil
	}
	suffix := "amazonaws.com"
	if partition == "aws-cn" {
		suffix = "amazonaws.com.cn"
	}
	host := service + "." + region + "." + suffix
	return Endpoint{Scheme: "https", Addr: host + ":443", Host: host}, nil
}

// ValidateEndpointURL checks an endpoint URL as the options take it.
func ValidateEndpointURL(raw string) error {
	_, err := parseEndpoint(raw)
	return err
}

// parseEndpoint reads an endpoint URL: http(s)://HOST[:PORT][/PATH], without credentials, query or fragment.
func parseEndpoint(raw string) (Endpoint, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Endpoint{}, fmt.Errorf("must be an http:// or https:// URL with a host, such as http://127.0.0.1:4566, got %q", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return Endpoint{}, errors.New("must not hold credentials, a query or a fragment")
	}
	port := u.Port()
	def := "80"
	if u.Scheme == "https" {
		def = "443"
	}
	host := u.Host
	if port == "" {
		port = def
	} else if port == def {
		host = strings.TrimSuffix(host, ":"+port) // what the signer signs, and what AWS expects
	}
	return Endpoint{Scheme: u.Scheme, Addr: net.JoinHostPort(u.Hostname(), port), Host: host, BasePath: strings.TrimSuffix(u.EscapedPath(), "/")}, nil
}

// Signer signs the calls of one service in one region with one set of credentials.
type Signer struct {
	creds   aws.CredentialsProvider
	signer  *v4.Signer
	service string
	region  string
	now     func() time.Time
}

// Signer returns a signer for a service in a region. With role "" it signs with gatewayd's own
// credentials (the default chain); otherwise with those of role, assumed through STS and refreshed
// before they expire.
func (c *Client) Signer(service, region, role string) (*Signer, error) {
	cfg, err := c.config()
	if err != nil {
		return nil, err
	}
	creds := cfg.Credentials
	if role != "" {
		creds = c.role(cfg, role)
	}
	if creds == nil {
		return nil, errors.New("no AWS credentials provider is configured")
	}
	return &Signer{creds: creds, signer: c.signer, service: service, region: region, now: c.opts.Now}, nil
}

func (c *Client) role(cfg aws.Config, role string) aws.CredentialsProvider {
	if p, ok := c.roles.Load(role); ok {
		return p.(aws.CredentialsProvider)
	}
	stsURL := c.endpointURL("sts")
	client := sts.NewFromConfig(cfg, func(o *sts.Options) {
		if stsURL != "" {
			o.BaseEndpoint = aws.String(stsURL)
		}
	})
	p := aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(client, role, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = "gatewayd"
	}))
	actual, _ := c.roles.LoadOrStore(role, p)
	return actual.(aws.CredentialsProvider)
}

// Sign adds the SigV4 headers (Authorization, X-Amz-Date, X-Amz-Security-Token) to req, which must be
// complete: scheme, address, Host, target, headers and body as they will be sent.
func (s *Signer) Sign(ctx context.Context, req *upstream.Request) error {
	creds, err := s.creds.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("retrieving AWS credentials: %w", err)
	}
	host := req.Host
	if host == "" {
		host = req.Addr
	}
	target := req.URI
	if target == "" {
		target = "/"
	}
	path, rawQuery, _ := strings.Cut(target, "?")
	unescaped, err := url.PathUnescape(path)
	if err != nil {
		return fmt.Errorf("signing: the path %q is not validly escaped", path)
	}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	hreq := &http.Request{
		Method: req.Method,
		URL:    &url.URL{Scheme: req.Scheme, Host: host, Path: unescaped, RawPath: path, RawQuery: rawQuery},
		Host:   host,
		// The signer adds its headers to the request's own.
		Header:        req.Header,
		ContentLength: int64(len(req.Body)),
	}
	sum := sha256.Sum256(req.Body)
	return s.signer.SignHTTP(ctx, creds, hreq, hex.EncodeToString(sum[:]), s.service, s.region, s.now())
}
