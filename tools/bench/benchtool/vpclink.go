package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// vpcLinkRoute adds GET /items/{id} sent through a VPC link over backends (round robin); the uri's
// host only names the Host header.
func vpcLinkRoute(ctx context.Context, c *client.Client, api model.RestAPI, backends []string) error {
	for _, b := range backends {
		if !strings.HasPrefix(b, "127.0.0.1:") {
			return fmt.Errorf("backend %q is not on 127.0.0.1", b)
		}
	}
	link, err := c.CreateVPCLink(ctx, model.VPCLink{Name: "bench-" + api.ID, TargetARNs: backends})
	if err != nil {
		return err
	}
	items, err := c.CreateResource(ctx, api.ID, model.Resource{ParentID: api.RootResourceID, PathPart: "items"})
	if err != nil {
		return err
	}
	res, err := c.CreateResource(ctx, api.ID, model.Resource{ParentID: items.ID, PathPart: "{id}"})
	if err != nil {
		return err
	}
	id := client.MethodID{RestAPIID: api.ID, ResourceID: res.ID, HTTPMethod: "GET"}
	if _, err := c.PutMethod(ctx, id, model.Method{Authorization: model.AuthNone}); err != nil {
		return err
	}
	_, err = c.PutIntegration(ctx, id, model.Integration{Type: model.IntegrationHTTPProxy, IntegrationHTTPMethod: "GET",
		URI: "http://items.internal/items/{id}", TimeoutMilliseconds: 5000,
		ConnectionType: model.ConnectionVPCLink, ConnectionID: link.ID})
	return err
}

// runCounts prints how many requests each backend of -backends (comma-separated) has served, one per
// line: the VPC link row's spread.
func runCounts(args []string) error {
	fs := flag.NewFlagSet("counts", flag.ContinueOnError)
	backends := fs.String("backends", "", "comma-separated backend addresses (loopback)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cl := newClient()
	for _, b := range strings.Split(*backends, ",") {
		target := "http://" + b + countPath
		if err := loopbackURL(target); err != nil {
			return err
		}
		a, err := get(cl, target)
		if err != nil {
			return err
		}
		fmt.Println(strings.TrimSpace(a.body))
	}
	return nil
}
