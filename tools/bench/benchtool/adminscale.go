package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// runAdminScale measures whether an admin write's cost grows with the API it writes to (issue 17).
// For each size N of -sizes it creates an API of N resources, each but the root with a GET MOCK
// MOCK method (filled at concurrency -fill-c), then an auto_deploy stage, so that every write deploys;
// then it times -writes routes written one call at a time (resource, method, integration, method
// response, integration response: 5 admin calls each) and checks that the data plane serves the last one as soon as its call returns.
// Prints one line per size: "N p50ms p99ms calls/s calls".
func runAdminScale(args []string) error {
	fs := flag.NewFlagSet("adminscale", flag.ContinueOnError)
	af := addAdminFlags(fs)
	sizes := fs.String("sizes", "10,5000", "API sizes in resources, comma-separated")
	writes := fs.Int("writes", 100, "routes timed per size (5 admin calls each)")
	fillC := fs.Int("fill-c", 16, "concurrent admin calls while filling the API")
	auto := fs.Bool("autodeploy", true, "give the API an auto_deploy stage before timing, so that every write deploys")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := af.client()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	for _, f := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("-sizes: %q is not a positive number", f)
		}
		if err := adminScaleOne(ctx, c, n, *writes, *fillC, *auto); err != nil {
			return fmt.Errorf("size %d: %w", n, err)
		}
	}
	return nil
}

func adminScaleOne(ctx context.Context, c *client.Client, n, writes, fillC int, auto bool) error {
	api, err := c.CreateRestAPI(ctx, model.RestAPI{Name: fmt.Sprintf("bench-scale-%d-%d", n, time.Now().UnixNano())})
	if err != nil {
		return err
	}
	defer c.DeleteRestAPI(context.Background(), api.ID) //nolint:errcheck // best effort: later rows should not pay for it
	if n > 1 {
		if err := manyRoutes(ctx, c, api, n-1, fillC, ""); err != nil {
			return err
		}
	}
	var invoke string
	if auto {
		st, err := c.CreateStage(ctx, api.ID, model.Stage{StageName: "live", AutoDeploy: true})
		if err != nil {
			return err
		}
		invoke = st.InvokeURL
		if err := loopbackURL(invoke); err != nil {
			return err
		}
	}
	var times []time.Duration
	timed := func(call func() error) error {
		t := time.Now()
		err := call()
		times = append(times, time.Since(t))
		return err
	}
	start := time.Now()
	var last string
	for i := range writes {
		last = fmt.Sprintf("w%d", i)
		var res model.Resource
		if err := timed(func() (err error) {
			res, err = c.CreateResource(ctx, api.ID, model.Resource{ParentID: api.RootResourceID, PathPart: last})
			return err
		}); err != nil {
			return err
		}
		id := client.MethodID{RestAPIID: api.ID, ResourceID: res.ID, HTTPMethod: "GET"}
		steps := []func() error{
			func() error { _, err := c.PutMethod(ctx, id, model.Method{Authorization: model.AuthNone}); return err },
			func() error {
				_, err := c.PutIntegration(ctx, id, model.Integration{Type: model.IntegrationMock,
					RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}})
				return err
			},
			func() error { _, err := c.PutMethodResponse(ctx, id, "200", model.MethodResponse{}); return err },
			func() error {
				_, err := c.PutIntegrationResponse(ctx, id, "200", model.IntegrationResponse{
					ResponseTemplates: map[string]string{"application/json": mockTemplate}})
				return err
			},
		}
		for _, step := range steps {
			if err := timed(step); err != nil {
				return err
			}
		}
	}
	el := time.Since(start)
	if auto {
		// The write's change is served when its call returns: one request, no waiting.
		a, err := get(newClient(), invoke+"/"+last)
		if err != nil {
			return err
		}
		if a.status != http.StatusOK {
			return errors.New("the last route written was not served right after its write returned: status " + strconv.Itoa(a.status))
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	fmt.Printf("%d %.3f %.3f %.0f %d\n", n, ms(percentile(times, 50)), ms(percentile(times, 99)), float64(len(times))/el.Seconds(), len(times))
	return nil
}
