package model

import (
	"path"
	"regexp"
	"strings"
)

// AccessLogSettings make a stage write one line per request, as API Gateway's access logs do.
type AccessLogSettings struct {
	// DestinationARN is where lines go: a CloudWatch Logs log group ARN
	// (arn:aws:logs:REGION:ACCOUNT:log-group:NAME, written to DATA_DIR/logs/NAME.log), file:///PATH,
	// stdout, syslog (the local syslog daemon) or syslog://HOST:PORT (UDP). See ParseAccessLogDestination.
	DestinationARN string `json:"destination_arn"`
	// Format is one line of text with $context variables (AccessLogVariables); it must contain
	// $context.requestId or $context.extendedRequestId.
	Format string `json:"format"`
}

// MaxAccessLogFormatLength bounds an access log format.
const MaxAccessLogFormatLength = 8192

// Validate checks the settings as the data plane will compile them.
func (a *AccessLogSettings) Validate() error {
	if _, err := ParseAccessLogDestination(a.DestinationARN); err != nil {
		return err
	}
	_, err := ParseAccessLogFormat(a.Format)
	return err
}

// AccessLogPart is one piece of a parsed access log format: literal text, or a $context variable
// (Variable is its name after "$context.").
type AccessLogPart struct {
	Literal  string
	Variable string
}

// accessLogVarChars are the characters of a variable name; a name ends before the first other one, and
// trailing dots belong to the text after it ("$context.status." is status then ".").
func accessLogVarChar(c byte) bool {
	return c == '.' || c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// ParseAccessLogFormat splits an access log format into literals and $context variables. It refuses
// line breaks, unknown variables (naming them), other template variables ($input, $util...) and a format
// without $context.requestId or $context.extendedRequestId, as API Gateway does.
func ParseAccessLogFormat(format string) ([]AccessLogPart, error) {
	const field = "access_log_settings.format"
	switch {
	case format == "":
		return nil, fieldErr(field, "is required: one line with $context variables, including $context.requestId")
	case len(format) > MaxAccessLogFormatLength:
		return nil, fieldErr(field, "must be at most %d characters, got %d", MaxAccessLogFormatLength, len(format))
	case strings.ContainsAny(format, "\r\n"):
		return nil, fieldErr(field, "must be one line: a line break would split every log line in two")
	}
	if err := checkText(field, format, MaxAccessLogFormatLength, true); err != nil { // tabs are allowed
		return nil, err
	}
	var parts []AccessLogPart
	lit := 0 // start of the pending literal
	hasID := false
	for i := 0; i < len(format); i++ {
		if format[i] != '$' {
			continue
		}
		rest := format[i+1:]
		if !strings.HasPrefix(rest, "context.") {
			for _, other := range []string{"input", "util", "stageVariables", "method", "integration"} {
				if strings.HasPrefix(rest, other) && (len(rest) == len(other) || !accessLogVarChar(rest[len(other)]) || rest[len(other)] == '.') {
					return nil, fieldErr(field, "may only use $context variables, got $%s", other)
				}
			}
			continue // a lone "$" is text
		}
		j := len("context.")
		for j < len(rest) && accessLogVarChar(rest[j]) {
			j++
		}
		name := strings.TrimRight(rest[len("context."):j], ".")
		if name == "" {
			continue
		}
		if !KnownAccessLogVariable(name) {
			return nil, fieldErr(field, "unknown variable $context.%s (see the access log variables in the gatewayd_stage documentation)", name)
		}
		if i > lit {
			parts = append(parts, AccessLogPart{Literal: format[lit:i]})
		}
		parts = append(parts, AccessLogPart{Variable: name})
		hasID = hasID || name == "requestId" || name == "extendedRequestId"
		i += len("$context.") + len(name) - 1
		lit = i + 1
	}
	if lit < len(format) {
		parts = append(parts, AccessLogPart{Literal: format[lit:]})
	}
	if !hasID {
		return nil, fieldErr(field, "must contain $context.requestId (or $context.extendedRequestId), as API Gateway requires, so that each line names its request")
	}
	return parts, nil
}

// AccessLogVariable describes one $context variable of access log formats.
type AccessLogVariable struct {
	Name string
	// Description says what gatewayd writes; Dash is set for variables that are accepted (so that
	// ported formats apply) but always written as "-" because gatewayd has no such feature.
	Description string
	Dash        bool
}

// AccessLogVariables are the $context variables access log formats may use, besides
// authorizer.claims.NAME and authorizer.KEY (see KnownAccessLogVariable). A value that is not set is
// written as "-", as API Gateway does.
var AccessLogVariables = []AccessLogVariable{
	{Name: "accountId", Description: "The account ID, always `" + AccountID + "`."},
	{Name: "apiId", Description: "The REST API's ID."},
	{Name: "authorizer.principalId", Description: "The principal a function authorizer returned."},
	{Name: "authorizer.claims.NAME", Description: "A claim of the verified JWT (COGNITO_USER_POOLS / JWT authorization)."},
	{Name: "authorizer.KEY", Description: "A value of the `context` map a function authorizer returned."},
	{Name: "deploymentId", Description: "The deployment that answered (the canary's for canary requests)."},
	{Name: "domainName", Description: "The Host the client asked for."},
	{Name: "domainPrefix", Description: "The first label of `domainName`."},
	{Name: "error.message", Description: "The message of an answer the gateway made itself (403, 429, 5xx...)."},
	{Name: "error.messageString", Description: "`error.message` quoted as a JSON string."},
	{Name: "error.responseType", Description: "The gateway response type of such an answer (`THROTTLED`, `DEFAULT_4XX`...)."},
	{Name: "error.validationErrorString", Description: "The request validator's message, for answers of a validator."},
	{Name: "extendedRequestId", Description: "The request ID (gatewayd has one ID per request; it is `x-gatewayd-request-id`)."},
	{Name: "httpMethod", Description: "The request's verb."},
	{Name: "identity.accessKey", Description: "The access key of a SigV4-signed request."},
	{Name: "identity.accountId", Description: "The account of a SigV4-signed request's user."},
	{Name: "identity.apiKey", Description: "The API key the request presented. This writes a secret to the log: prefer `identity.apiKeyId`."},
	{Name: "identity.apiKeyId", Description: "The ID of the API key the request presented."},
	{Name: "identity.caller", Description: "The IAM user ID of a SigV4-signed request."},
	{Name: "identity.user", Description: "The IAM user ID of a SigV4-signed request."},
	{Name: "identity.userArn", Description: "The IAM user ARN of a SigV4-signed request."},
	{Name: "identity.sourceIp", Description: "The client's address (of the TCP connection)."},
	{Name: "identity.userAgent", Description: "The request's User-Agent header."},
	{Name: "integration.error", Description: "Why the backend call failed (timeout, connection refused, malformed answer)."},
	{Name: "integration.integrationStatus", Description: "The status the backend answered (for `AWS_PROXY`, the Invoke API's)."},
	{Name: "integration.latency", Description: "Milliseconds spent waiting for the backend."},
	{Name: "integration.status", Description: "The status the backend answered (for `AWS_PROXY`, the function's `statusCode`)."},
	{Name: "integrationErrorMessage", Description: "Same as `integration.error`."},
	{Name: "integrationLatency", Description: "Milliseconds spent waiting for the backend."},
	{Name: "integrationStatus", Description: "The status the backend answered (for `AWS_PROXY`, the Invoke API's)."},
	{Name: "isCanaryRequest", Description: "`true` when the stage's canary answered, else `false`."},
	{Name: "path", Description: "The request path with the stage, `/STAGE/...`."},
	{Name: "protocol", Description: "The request's protocol, such as `HTTP/1.1`."},
	{Name: "requestId", Description: "The request ID, also sent as `x-gatewayd-request-id`."},
	{Name: "requestTime", Description: "When the request arrived, as in CLF: `02/Jan/2006:15:04:05 +0000` (UTC)."},
	{Name: "requestTimeEpoch", Description: "When the request arrived, in milliseconds since 1970."},
	{Name: "resourceId", Description: "The matched resource's ID."},
	{Name: "resourcePath", Description: "The matched resource's path template, such as `/pets/{petId}`."},
	{Name: "responseLatency", Description: "Milliseconds from receiving the request to the answer."},
	{Name: "responseLength", Description: "Bytes of the answer's body."},
	{Name: "stage", Description: "The stage's name."},
	{Name: "status", Description: "The answer's status code (`499` when the client went away first)."},
	// Accepted for ported formats; gatewayd has no such feature, so they are always "-".
	{Name: "authenticate.error", Dash: true},
	{Name: "authenticate.latency", Dash: true},
	{Name: "authenticate.status", Dash: true},
	{Name: "authorize.error", Dash: true},
	{Name: "authorize.latency", Dash: true},
	{Name: "authorize.status", Dash: true},
	{Name: "authorizer.error", Dash: true},
	{Name: "authorizer.integrationLatency", Dash: true},
	{Name: "authorizer.integrationStatus", Dash: true},
	{Name: "authorizer.latency", Dash: true},
	{Name: "authorizer.requestId", Dash: true},
	{Name: "authorizer.status", Dash: true},
	{Name: "awsEndpointRequestId", Dash: true},
	{Name: "customDomain.basePathMatched", Dash: true},
	{Name: "identity.clientCert.clientCertPem", Dash: true},
	{Name: "identity.clientCert.issuerDN", Dash: true},
	{Name: "identity.clientCert.serialNumber", Dash: true},
	{Name: "identity.clientCert.subjectDN", Dash: true},
	{Name: "identity.clientCert.validity.notAfter", Dash: true},
	{Name: "identity.clientCert.validity.notBefore", Dash: true},
	{Name: "identity.cognitoAuthenticationProvider", Dash: true},
	{Name: "identity.cognitoAuthenticationType", Dash: true},
	{Name: "identity.cognitoIdentityId", Dash: true},
	{Name: "identity.cognitoIdentityPoolId", Dash: true},
	{Name: "identity.principalOrgId", Dash: true},
	{Name: "identity.vpcId", Dash: true},
	{Name: "identity.vpceId", Dash: true},
	{Name: "integration.requestId", Dash: true},
	{Name: "waf.error", Dash: true},
	{Name: "waf.latency", Dash: true},
	{Name: "waf.status", Dash: true},
	{Name: "wafResponseCode", Dash: true},
	{Name: "webaclArn", Dash: true},
	{Name: "xrayTraceId", Dash: true},
}

var accessLogVariableSet = func() map[string]bool {
	m := map[string]bool{}
	for _, v := range AccessLogVariables {
		m[v.Name] = true
	}
	return m
}()

// KnownAccessLogVariable reports whether name (after "$context.") may be used in an access log format:
// one of AccessLogVariables, authorizer.claims.NAME or authorizer.KEY.
func KnownAccessLogVariable(name string) bool {
	if accessLogVariableSet[name] {
		return true
	}
	if key, ok := strings.CutPrefix(name, "authorizer.claims."); ok {
		return key != ""
	}
	if key, ok := strings.CutPrefix(name, "authorizer."); ok {
		return key != "" && key != "claims"
	}
	return false
}

// Access log destination kinds.
const (
	AccessLogFile   = "file"
	AccessLogStdout = "stdout"
	AccessLogSyslog = "syslog"
)

// AccessLogDestination is where a stage's access log goes.
type AccessLogDestination struct {
	// Kind is AccessLogFile, AccessLogStdout or AccessLogSyslog.
	Kind string
	// Path is the file: absolute for file://, relative to the data directory (logs/NAME.log) for a log
	// group ARN.
	Path string
	// Addr is a remote syslog's HOST:PORT (UDP); empty for the local syslog daemon.
	Addr string
}

var (
	logGroupARNPattern  = regexp.MustCompile(`^arn:aws[a-z-]*:logs:([a-z0-9-]+):([0-9]{12}):log-group:(.+?)(:\*)?$`)
	logGroupNamePattern = regexp.MustCompile(`^[A-Za-z0-9._/#-]{1,512}$`)
)

// ParseAccessLogDestination reads destination_arn.
func ParseAccessLogDestination(arn string) (AccessLogDestination, error) {
	const field = "access_log_settings.destination_arn"
	switch {
	case arn == "":
		return AccessLogDestination{}, fieldErr(field, "is required: a log group ARN (arn:aws:logs:REGION:ACCOUNT:log-group:NAME), file:///PATH, stdout or syslog")
	case arn == "stdout":
		return AccessLogDestination{Kind: AccessLogStdout}, nil
	case arn == "syslog":
		return AccessLogDestination{Kind: AccessLogSyslog}, nil
	case strings.HasPrefix(arn, "syslog://"):
		addr := strings.TrimPrefix(arn, "syslog://")
		host, port, ok := strings.Cut(addr, ":")
		if !ok || host == "" || port == "" || strings.ContainsAny(addr, "/?#@") {
			return AccessLogDestination{}, fieldErr(field, "must be syslog://HOST:PORT (UDP), got %q", arn)
		}
		return AccessLogDestination{Kind: AccessLogSyslog, Addr: addr}, nil
	case strings.HasPrefix(arn, "file://"):
		p := strings.TrimPrefix(arn, "file://")
		if !strings.HasPrefix(p, "/") || path.Clean(p) != p || p == "/" {
			return AccessLogDestination{}, fieldErr(field, "must be file:// then an absolute, clean file path (file:///var/log/gatewayd/access.log), got %q", arn)
		}
		return AccessLogDestination{Kind: AccessLogFile, Path: p}, nil
	case strings.Contains(arn, ":firehose:"):
		return AccessLogDestination{}, fieldErr(field, "names a Kinesis Data Firehose stream, which gatewayd cannot write to: use a log group ARN, file:///PATH, stdout or syslog")
	}
	m := logGroupARNPattern.FindStringSubmatch(arn)
	if m == nil {
		return AccessLogDestination{}, fieldErr(field, "must be a log group ARN (arn:aws:logs:REGION:ACCOUNT:log-group:NAME), file:///PATH, stdout, syslog or syslog://HOST:PORT, got %q", arn)
	}
	name := m[3]
	if !logGroupNamePattern.MatchString(name) {
		return AccessLogDestination{}, fieldErr(field, "log group name must be 1 to 512 letters, digits or ._/#-, got %q", name)
	}
	rel := strings.TrimLeft(name, "/")
	for _, seg := range strings.Split(rel, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return AccessLogDestination{}, fieldErr(field, "log group name %q becomes the file DATA_DIR/logs/NAME.log: it must not have empty, \".\" or \"..\" segments", name)
		}
	}
	return AccessLogDestination{Kind: AccessLogFile, Path: path.Join("logs", rel+".log")}, nil
}

// String names the destination for logs and metrics.
func (d AccessLogDestination) String() string {
	switch d.Kind {
	case AccessLogFile:
		return "file:" + d.Path
	case AccessLogSyslog:
		if d.Addr != "" {
			return "syslog://" + d.Addr
		}
		return "syslog"
	}
	return d.Kind
}
