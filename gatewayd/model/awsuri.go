package model

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// AWSTarget is what an arn:aws:apigateway URI names: an AWS service API, called with a SigV4
// signature for Region and Service.
type AWSTarget struct {
	// Partition is the ARN's partition: aws, aws-cn or aws-us-gov.
	Partition string
	Region    string
	// Service is the service's endpoint prefix and signing name: lambda, dynamodb, states, sqs...
	Service string
	// Action is the action of the action/ form; "" for the path/ form.
	Action string
	// FunctionARN is the function a Lambda invoke URI names
	// (lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations); "" otherwise.
	FunctionARN string
}

// AWSProtocol is how an action of a service is sent (the service's wire protocol).
type AWSProtocol struct {
	// JSON is true for the JSON protocol (X-Amz-Target: TargetPrefix.Action, a JSON body of
	// Content-Type application/x-amz-json-JSONVersion), false for the query protocol (a form-encoded
	// body Action=...&Version=APIVersion&...).
	JSON         bool
	TargetPrefix string
	JSONVersion  string
	APIVersion   string
}

// AWSActionServices are the services an action/ URI may name, with their protocols. Other services
// are reached with the path/ form, whose request the mapping template and request parameters make whole.
var AWSActionServices = map[string]AWSProtocol{
	"dynamodb": {JSON: true, TargetPrefix: "DynamoDB_20120810", JSONVersion: "1.0"},
	"states":   {JSON: true, TargetPrefix: "AWSStepFunctions", JSONVersion: "1.0"},
	"kinesis":  {JSON: true, TargetPrefix: "Kinesis_20131202", JSONVersion: "1.1"},
	"firehose": {JSON: true, TargetPrefix: "Firehose_20150804", JSONVersion: "1.1"},
	"events":   {JSON: true, TargetPrefix: "AWSEvents", JSONVersion: "1.1"},
	"logs":     {JSON: true, TargetPrefix: "Logs_20140328", JSONVersion: "1.1"},
	"sqs":      {APIVersion: "2012-11-05"},
	"sns":      {APIVersion: "2010-03-31"},
}

// LambdaInvokePathPrefix starts the path of the Lambda Invoke API.
const LambdaInvokePathPrefix = "/2015-03-31/functions/"

var (
	awsURIRE = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):apigateway:([a-z]{2}(?:-[a-z]+)+-[0-9]):([^:]*):(.*)$`)
	// awsServiceRE is an endpoint prefix; API Gateway's SUBDOMAIN.SERVICE form is not supported.
	awsServiceRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	awsActionRE  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)
	// lambdaFunctionRE is what the Lambda Invoke API takes as FunctionName: a name, a partial ARN
	// (ACCOUNT:function:NAME) or a full ARN, each with an optional version or alias.
	lambdaFunctionRE = regexp.MustCompile(`^((arn:aws[a-z-]*:lambda:[a-z]{2}(-[a-z]+)+-[0-9]:)?[0-9]{12}:function:)?[A-Za-z0-9_-]{1,140}(:(\$LATEST|[A-Za-z0-9_-]{1,128}))?$`)
	// iamRoleARNRE is an IAM role's ARN, what an integration's credentials name.
	iamRoleARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`)
)

// IsAWSURI reports whether an integration URI is an arn:aws:apigateway ARN rather than a URL.
func IsAWSURI(s string) bool { return strings.HasPrefix(s, "arn:") }

// parseAWSURI parses arn:aws:apigateway:REGION:SERVICE:action/ACTION[&NAME=VALUE...] and
// arn:aws:apigateway:REGION:SERVICE:path/PATH. The path form's PATH becomes the URI's path (with
// {placeholders}, as an http URI's); the action form's parameters become its query.
func parseAWSURI(s string) (*IntegrationURI, error) {
	m := awsURIRE.FindStringSubmatch(s)
	if m == nil {
		return nil, errors.New("must be an arn:aws:apigateway:REGION:SERVICE:action/ACTION or arn:aws:apigateway:REGION:SERVICE:path/PATH ARN (REGION such as us-east-1)")
	}
	t := &AWSTarget{Partition: m[1], Region: m[2], Service: m[3]}
	if !awsServiceRE.MatchString(t.Service) {
		return nil, fmt.Errorf("names the service %q: give the service's endpoint prefix, such as lambda, dynamodb, states or sqs (the SUBDOMAIN.SERVICE form is not supported)", t.Service)
	}
	u := &IntegrationURI{AWS: t}
	kind, api, _ := strings.Cut(m[4], "/")
	switch kind {
	case "action":
		action, params, _ := strings.Cut(api, "&")
		if !awsActionRE.MatchString(action) {
			return nil, fmt.Errorf("names the action %q: an action is a name of letters and digits, such as PutItem", action)
		}
		if _, ok := AWSActionServices[t.Service]; !ok {
			return nil, fmt.Errorf("uses the action form with the service %q, whose protocol gatewayd does not know (it knows %s): use the path form, arn:aws:apigateway:%s:%s:path/PATH",
				t.Service, strings.Join(awsActionServiceNames(), ", "), t.Region, t.Service)
		}
		if _, err := url.ParseQuery(params); err != nil {
			return nil, fmt.Errorf("has invalid action parameters %q: %w", params, err)
		}
		t.Action, u.Query, u.Pieces = action, params, []string{"/"}
		return u, nil
	case "path":
	default:
		return nil, fmt.Errorf("must continue after the service with action/ACTION or path/PATH, got %q", m[4])
	}
	if strings.Contains(api, "#") {
		return nil, errors.New("must not have a fragment (#...)")
	}
	p, query, _ := strings.Cut(api, "?")
	if _, err := url.ParseQuery(query); err != nil {
		return nil, fmt.Errorf("has an invalid query string: %w", err)
	}
	pieces, err := pathPieces("/" + p)
	if err != nil {
		return nil, err
	}
	u.Pieces, u.Query = pieces, query
	if t.Service == "lambda" {
		fn, ok := strings.CutPrefix("/"+p, LambdaInvokePathPrefix)
		fn, ok2 := strings.CutSuffix(fn, "/invocations")
		if !ok || !ok2 || !lambdaFunctionRE.MatchString(fn) {
			return nil, fmt.Errorf("must name a function's Invoke API, arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations (FUNCTION_ARN such as arn:aws:lambda:%s:123456789012:function:NAME)", t.Region, t.Region)
		}
		t.FunctionARN = fn
	}
	return u, nil
}

func awsActionServiceNames() []string {
	names := make([]string, 0, len(AWSActionServices))
	for k := range AWSActionServices {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// ValidateIntegrationURIForType checks an integration URI as written (ValidateIntegrationURI) and that
// its form fits the integration type: HTTP and HTTP_PROXY take http(s) URLs; AWS_PROXY a Lambda
// Invoke URL or a Lambda ARN; AWS an arn:aws:apigateway ARN; MOCK any valid URI.
func ValidateIntegrationURIForType(typ, raw string) error {
	u, err := probeIntegrationURI(raw)
	if err != nil {
		return err
	}
	switch typ {
	case IntegrationHTTP, IntegrationHTTPProxy:
		if u.AWS != nil {
			return fmt.Errorf("is an arn:aws:apigateway ARN, which a %s integration cannot call: use type AWS (a service action) or AWS_PROXY (a Lambda function), or give an http(s) URL", typ)
		}
	case IntegrationAWSProxy:
		if u.AWS != nil && u.AWS.FunctionARN == "" {
			return fmt.Errorf("names the %s service, but an AWS_PROXY integration invokes a Lambda function: give arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations or a Lambda Invoke URL, or use type AWS", u.AWS.Service)
		}
	case IntegrationAWS:
		if u.AWS == nil {
			return errors.New("must be an arn:aws:apigateway:REGION:SERVICE:action/ACTION or ...:path/PATH ARN for an AWS integration; an http(s) backend is an HTTP integration")
		}
	}
	return nil
}

// ValidateIAMRoleARN checks the ARN of a role gatewayd is to assume.
func ValidateIAMRoleARN(s string) error {
	if strings.HasPrefix(s, "arn:aws:iam::*:user/") {
		return errors.New("names the caller's own credentials (arn:aws:iam::*:user/*), which gatewayd cannot pass on: name an IAM role to assume, arn:aws:iam::ACCOUNT_ID:role/NAME")
	}
	if !iamRoleARNRE.MatchString(s) {
		return fmt.Errorf("must be an IAM role ARN, arn:aws:iam::ACCOUNT_ID:role/NAME, got %q", s)
	}
	return nil
}

// ValidateIntegrationCredentials checks an integration's credentials: empty, or the ARN of an IAM role
// that gatewayd assumes (through STS) to sign calls of an arn:aws:apigateway URI.
func ValidateIntegrationCredentials(typ, uri, credentials string) error {
	if credentials == "" {
		return nil
	}
	if err := ValidateIAMRoleARN(credentials); err != nil {
		return err
	}
	if (typ != IntegrationAWS && typ != IntegrationAWSProxy) || !IsAWSURI(uri) {
		return errors.New("is only used when gatewayd signs the call: an AWS integration, or an AWS_PROXY integration whose uri is a Lambda ARN")
	}
	return nil
}
