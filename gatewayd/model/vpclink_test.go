package model

import (
	"strings"
	"testing"
)

func TestParseVPCLinkEndpoint(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{in: "10.0.0.1:80", want: "10.0.0.1:80"},
		{in: "orders.internal:8080", want: "orders.internal:8080"},
		{in: "http://orders.internal:8080", want: "http://orders.internal:8080"},
		{in: "https://[::1]:443/", want: "https://[::1]:443"},
		{in: "orders.internal", err: "must be host:port"},
		{in: "10.0.0.1:0", err: "port must be 1 to 65535"},
		{in: "ftp://a:21", err: "must be host:port"},
		{in: "http://a:80/path", err: "must be host:port"},
		{in: ":80", err: "must be host:port"},
	} {
		e, err := ParseVPCLinkEndpoint(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseVPCLinkEndpoint(%q) = %v, %v; want an error containing %q", tc.in, e, err, tc.err)
		case tc.err == "" && (err != nil || e.String() != tc.want):
			t.Errorf("ParseVPCLinkEndpoint(%q) = %v, %v; want %s", tc.in, e, err, tc.want)
		}
	}
}

func TestParseVPCLinkTargetMap(t *testing.T) {
	m, err := ParseVPCLinkTargetMap("arn:aws:elasticloadbalancing:x:1:loadbalancer/net/a/1=10.0.0.1:80, https://10.0.0.2:443 ;\narn:b=b:1")
	if err != nil {
		t.Fatal(err)
	}
	eps, err := m.Resolve([]string{"arn:aws:elasticloadbalancing:x:1:loadbalancer/net/a/1", "10.0.0.1:80", "arn:b"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range eps {
		got = append(got, e.String())
	}
	if strings.Join(got, " ") != "10.0.0.1:80 https://10.0.0.2:443 b:1" {
		t.Errorf("resolved to %v, want the mapped addresses once each, in order", got)
	}
	if _, err := m.Resolve([]string{"arn:c"}); err == nil || !strings.Contains(err.Error(), "arn:c is not mapped") {
		t.Errorf("Resolve of an unmapped ARN = %v, want an error naming it", err)
	}
	for _, bad := range []string{"10.0.0.1:80", "arn:a=nope", "arn:a=a:1;arn:a=b:1"} {
		if _, err := ParseVPCLinkTargetMap(bad); err == nil {
			t.Errorf("ParseVPCLinkTargetMap(%q) accepted", bad)
		}
	}
}

func TestValidateIntegrationConnection(t *testing.T) {
	for _, tc := range []struct{ typ, ct, id, field string }{
		{IntegrationHTTP, "", "", ""},
		{IntegrationHTTPProxy, ConnectionVPCLink, "a1b2c3d4e5", ""},
		{IntegrationHTTP, ConnectionVPCLink, "${stageVariables.link}", ""},
		{IntegrationHTTP, ConnectionVPCLink, "", "connection_id"},
		{IntegrationHTTP, ConnectionInternet, "a1b2c3d4e5", "connection_id"},
		{IntegrationAWSProxy, ConnectionVPCLink, "a1b2c3d4e5", "connection_type"},
		{IntegrationHTTP, "PRIVATE", "", "connection_type"},
		{IntegrationHTTP, ConnectionVPCLink, "${stageVariables.a}x", "connection_id"},
	} {
		err := ValidateIntegrationConnection(tc.typ, tc.ct, tc.id)
		fe, _ := err.(*FieldError)
		if (tc.field == "") != (err == nil) || (fe != nil && fe.Field != tc.field) {
			t.Errorf("ValidateIntegrationConnection(%s, %q, %q) = %v, want an error on %q", tc.typ, tc.ct, tc.id, err, tc.field)
		}
	}
}
