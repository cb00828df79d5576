package model

import (
	"strings"
	"testing"
)

const testFnARN = "arn:aws:lambda:us-east-1:123456789012:function:hello"

func TestParseIntegrationURIAWS(t *testing.T) {
	tests := []struct {
		uri                        string
		service, action, fn, query string
		path                       string
	}{
		{"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + testFnARN + "/invocations", "lambda", "", testFnARN, "", "/2015-03-31/functions/" + testFnARN + "/invocations"},
		{"arn:aws:apigateway:eu-west-3:lambda:path/2015-03-31/functions/" + testFnARN + ":live/invocations", "lambda", "", testFnARN + ":live", "", ""},
		{"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/hello/invocations", "lambda", "", "hello", "", ""},
		{"arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", "dynamodb", "PutItem", "", "", "/"},
		{"arn:aws:apigateway:us-east-1:states:action/StartExecution", "states", "StartExecution", "", "", "/"},
		{"arn:aws:apigateway:us-east-1:sqs:action/SendMessage&QueueUrl=https%3A%2F%2Fq", "sqs", "SendMessage", "", "QueueUrl=https%3A%2F%2Fq", "/"},
		{"arn:aws:apigateway:us-east-1:sqs:path/123456789012/queue", "sqs", "", "", "", "/123456789012/queue"},
		{"arn:aws:apigateway:us-gov-west-1:s3:path/{bucket}/{key}", "s3", "", "", "", ""},
		{"arn:aws-cn:apigateway:cn-north-1:sns:action/Publish", "sns", "Publish", "", "", "/"},
	}
	for _, tc := range tests {
		u, err := ParseIntegrationURI(tc.uri)
		if err != nil {
			t.Errorf("ParseIntegrationURI(%q) = %v, want no error", tc.uri, err)
			continue
		}
		if u.AWS == nil || u.Scheme != "" || u.Addr != "" {
			t.Errorf("ParseIntegrationURI(%q) = %+v, want an AWS target without a host", tc.uri, u)
			continue
		}
		if u.AWS.Service != tc.service || u.AWS.Action != tc.action || u.AWS.FunctionARN != tc.fn || u.Query != tc.query {
			t.Errorf("ParseIntegrationURI(%q) = %+v query %q, want service %s action %q function %q query %q", tc.uri, *u.AWS, u.Query, tc.service, tc.action, tc.fn, tc.query)
		}
		if tc.path != "" && strings.Join(u.Pieces, "") != tc.path {
			t.Errorf("ParseIntegrationURI(%q) path = %q, want %q", tc.uri, strings.Join(u.Pieces, ""), tc.path)
		}
	}
	u, err := ParseIntegrationURI("arn:aws:apigateway:us-east-1:s3:path/{bucket}/{key+}")
	if err != nil || len(u.Pieces) != 5 || u.Pieces[1] != "bucket" || u.Pieces[3] != "key" {
		t.Errorf("path placeholders = %q, %v; want bucket and key", u.Pieces, err)
	}
}

func TestValidateIntegrationURIForType(t *testing.T) {
	lambda := "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + testFnARN + "/invocations"
	tests := []struct {
		typ, uri string
		want     string // "" for accepted, else a part of the error
	}{
		{IntegrationAWSProxy, lambda, ""},
		{IntegrationAWSProxy, "http://127.0.0.1:3001/2015-03-31/functions/f/invocations", ""},
		{IntegrationAWSProxy, "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}/invocations", ""},
		{IntegrationAWSProxy, "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", "invokes a Lambda function"},
		{IntegrationAWS, lambda, ""},
		{IntegrationAWS, "arn:aws:apigateway:us-east-1:dynamodb:action/GetItem", ""},
		{IntegrationAWS, "http://backend/x", "an http(s) backend is an HTTP integration"},
		{IntegrationAWS, "arn:aws:apigateway:us-east-1:ec2:action/RunInstances", "use the path form"},
		{IntegrationAWS, "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/not an arn/invocations", "spaces"},
		{IntegrationAWS, "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/invocations", "Invoke API"},
		{IntegrationAWS, "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + testFnARN, "Invoke API"},
		{IntegrationAWS, "arn:aws:apigateway:us-east-1:dynamodb:action/Put-Item", "letters and digits"},
		{IntegrationAWS, "arn:aws:apigateway:us-east-1:dynamodb:query/PutItem", "action/ACTION or path/PATH"},
		{IntegrationAWS, "arn:aws:apigateway:useast1:dynamodb:action/PutItem", "REGION such as us-east-1"},
		{IntegrationAWS, "arn:aws:apigateway:us-east-1:bucket.s3:path/x", "SUBDOMAIN.SERVICE"},
		{IntegrationHTTP, lambda, "cannot call"},
		{IntegrationHTTPProxy, "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", "cannot call"},
		{IntegrationMock, "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", ""},
	}
	for _, tc := range tests {
		err := ValidateIntegrationURIForType(tc.typ, tc.uri)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("ValidateIntegrationURIForType(%s, %q) = %v, want nil", tc.typ, tc.uri, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("ValidateIntegrationURIForType(%s, %q) = %v, want an error containing %q", tc.typ, tc.uri, err, tc.want)
		}
	}
}

func TestIntegrationCredentials(t *testing.T) {
	lambda := "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + testFnARN + "/invocations"
	role := "arn:aws:iam::123456789012:role/apigw-invoke"
	tests := []struct {
		in    Integration
		field string // "" for valid
	}{
		{Integration{Type: IntegrationAWS, URI: lambda, IntegrationHTTPMethod: "POST", Credentials: role}, ""},
		{Integration{Type: IntegrationAWSProxy, URI: lambda, IntegrationHTTPMethod: "POST", Credentials: role}, ""},
		{Integration{Type: IntegrationAWS, URI: lambda, IntegrationHTTPMethod: "POST", Credentials: "arn:aws:iam::*:user/*"}, "credentials"},
		{Integration{Type: IntegrationAWS, URI: lambda, IntegrationHTTPMethod: "POST", Credentials: "role"}, "credentials"},
		{Integration{Type: IntegrationHTTP, URI: "http://h/", IntegrationHTTPMethod: "GET", Credentials: role}, "credentials"},
		{Integration{Type: IntegrationAWSProxy, URI: "http://h/2015-03-31/functions/f/invocations", IntegrationHTTPMethod: "POST", Credentials: role}, "credentials"},
		{Integration{Type: IntegrationAWS, URI: lambda, IntegrationHTTPMethod: "GET"}, "integration_http_method"},
		{Integration{Type: IntegrationAWS, URI: "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", IntegrationHTTPMethod: "ANY"}, "integration_http_method"},
		{Integration{Type: IntegrationAWS, URI: "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", IntegrationHTTPMethod: "POST"}, ""},
	}
	for _, tc := range tests {
		in := tc.in
		in.Normalize()
		err := in.Validate()
		fe, _ := err.(*FieldError)
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("Validate(%+v) = %v, want nil", tc.in, err)
		case tc.field != "" && (fe == nil || fe.Field != tc.field):
			t.Errorf("Validate(%+v) = %v, want an error on %s", tc.in, err, tc.field)
		}
	}
}
