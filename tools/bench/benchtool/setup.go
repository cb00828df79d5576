package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// adminFlags are the flags every command talking to the admin API takes.
type adminFlags struct{ endpoint, tokenFile *string }

func addAdminFlags(fs *flag.FlagSet) adminFlags {
	return adminFlags{
		endpoint:  fs.String("admin", "http://127.0.0.1:18406", "admin API endpoint (loopback)"),
		tokenFile: fs.String("token-file", "", "file holding the admin token"),
	}
}

func (a adminFlags) client() (*client.Client, error) {
	if err := loopbackURL(*a.endpoint); err != nil {
		return nil, err
	}
	tok, err := os.ReadFile(*a.tokenFile)
	if err != nil {
		return nil, err
	}
	return client.New(*a.endpoint, strings.TrimSpace(string(tok)), client.Options{UserAgent: "gatewayd-bench"})
}

const mockTemplate = `{"id":1,"name":"gatewayd","ok":true}`

// mockVTLTemplate is a typical response template: it reads the request, $context and stage variables,
// loops and branches; the bench compares a MOCK answering with it to one answering mockTemplate.
const mockVTLTemplate = `#set($q = $input.params())
{
  "requestId": "$context.requestId",
  "stage": "$context.stage",
  "path": "$context.resourcePath",
  "agent": "$util.escapeJavaScript($input.params('User-Agent'))",
  "query": {#foreach($k in $q.querystring.keySet())"$k": "$util.escapeJavaScript($q.querystring.get($k))"#if($foreach.hasNext), #end#end},
  "items": [#foreach($i in [1..5]){"n": $i, "even": #if($i % 2 == 0)true#{else}false#end}#if($foreach.hasNext), #end#end],
  "ok": true
}`

// errNotSupported marks a path gatewayd does not have yet; the command exits with status 3.
var errNotSupported = errors.New("not yet supported")

// route adds GET on a new resource under parent: HTTP_PROXY to uri, or MOCK answering mockTemplate when
// uri is empty.
func route(ctx context.Context, c *client.Client, apiID, parent, pathPart, uri string, keyRequired ...bool) (model.Resource, error) {
	return routeWith(ctx, c, apiID, parent, pathPart, uri, mockTemplate, keyRequired...)
}

// routeWith is route with the MOCK's response template.
func routeWith(ctx context.Context, c *client.Client, apiID, parent, pathPart, uri, template string, keyRequired ...bool) (model.Resource, error) {
	res, err := c.CreateResource(ctx, apiID, model.Resource{ParentID: parent, PathPart: pathPart})
	if err != nil {
		return res, err
	}
	id := client.MethodID{RestAPIID: apiID, ResourceID: res.ID, HTTPMethod: "GET"}
	m := model.Method{Authorization: model.AuthNone, APIKeyRequired: len(keyRequired) > 0 && keyRequired[0]}
	if _, err := c.PutMethod(ctx, id, m); err != nil {
		return res, err
	}
	if uri != "" {
		_, err = c.PutIntegration(ctx, id, model.Integration{Type: model.IntegrationHTTPProxy,
			IntegrationHTTPMethod: "GET", URI: uri, TimeoutMilliseconds: 5000})
		return res, err
	}
	if _, err := c.PutIntegration(ctx, id, model.Integration{Type: "MOCK",
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}}); err != nil {
		return res, err
	}
	if _, err := c.PutMethodResponse(ctx, id, "200", model.MethodResponse{}); err != nil {
		return res, err
	}
	_, err = c.PutIntegrationResponse(ctx, id, "200", model.IntegrationResponse{
		ResponseTemplates: map[string]string{"application/json": template}})
	return res, err
}

// runSetup creates one benchmark API and prints the URL to load once the data plane serves it, and on
// a second line the header to send, if any:
//
//	proxy:  GET /items/{id} -> HTTP_PROXY to the backend
//	key:    the same with api_key_required, an API key in a usage plan whose throttle never refuses
//	keyjwt: the key path behind a COGNITO_USER_POOLS authorizer of the backend's local issuer (/oidc):
//	        x-api-key and an ID token (RS256) on every request
//	cache:  the same on a stage with its cache on and caching_enabled for */*; checked to hit
//	mock:   GET /mock answered by gatewayd itself (MOCK) with a fixed body
//	mockvtl: the same answering with a 10-line template that reads the request (mockVTLTemplate)
//	routes: N resources /r0../rN-1, each GET -> HTTP_PROXY; the URL is the last one
//	vpclink: GET /items/{id} -> HTTP_PROXY through a VPC link whose targets are -backend's
//	        comma-separated addresses (round robin)
//	proxylog: proxy on a stage whose access log writes API Gateway's JSON preset to the log group
//	        "bench" (DATA_DIR/logs/bench.log)
//
// It exits with status 3 when gatewayd does not support the path yet.
func runSetup(args []string) error {
	fs := flag.NewFlagSet("setup", flag.ContinueOnError)
	af := addAdminFlags(fs)
	kind := fs.String("kind", "proxy", "proxy, proxylog, key, keyjwt, cache, mock, mockvtl, routes or vpclink")
	backend := fs.String("backend", "127.0.0.1:18401", "backend address (-kind vpclink: several, comma-separated)")
	routes := fs.Int("routes", 10, "routes for -kind routes")
	conc := fs.Int("c", 8, "concurrent admin calls while creating routes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !strings.HasPrefix(*backend, "127.0.0.1:") {
		return fmt.Errorf("backend %q is not on 127.0.0.1", *backend)
	}
	c, err := af.client()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	api, err := c.CreateRestAPI(ctx, model.RestAPI{Name: fmt.Sprintf("bench-%s-%d", *kind, time.Now().UnixNano())})
	if err != nil {
		return err
	}
	var path string
	switch *kind {
	case "proxy", "proxylog", "key", "cache", "keyjwt":
		items, err := c.CreateResource(ctx, api.ID, model.Resource{ParentID: api.RootResourceID, PathPart: "items"})
		if err != nil {
			return err
		}
		keyed := *kind == "key" || *kind == "keyjwt"
		res, err := route(ctx, c, api.ID, items.ID, "{id}", "http://"+*backend+"/items/{id}", keyed)
		if err != nil {
			return err
		}
		if *kind == "keyjwt" {
			if err := jwtMethod(ctx, c, api.ID, res.ID, "http://"+*backend+"/oidc"); err != nil {
				return err
			}
		}
		path = "/items/1"
	case "mock", "mockvtl":
		tpl := mockTemplate
		if *kind == "mockvtl" {
			tpl = mockVTLTemplate
		}
		if _, err := routeWith(ctx, c, api.ID, api.RootResourceID, "mock", "", tpl); err != nil {
			return err
		}
		path = "/mock?color=brown&size=L"
	case "routes":
		if err := manyRoutes(ctx, c, api, *routes, *conc, "http://"+*backend+"/items/1"); err != nil {
			return err
		}
		path = fmt.Sprintf("/r%d", *routes-1)
	case "vpclink":
		if err := vpcLinkRoute(ctx, c, api, strings.Split(*backend, ",")); err != nil {
			return err
		}
		path = "/items/1"
	default:
		return fmt.Errorf("unknown -kind %q", *kind)
	}
	// One deployment of the finished API, then the stage: no auto-deploy per write.
	dep, err := c.CreateDeployment(ctx, api.ID, model.Deployment{Description: "bench"}, "")
	if err != nil {
		return err
	}
	stage := model.Stage{StageName: "prod", DeploymentID: dep.ID}
	if *kind == "cache" {
		stage.CacheClusterEnabled, stage.CacheClusterSize = true, "0.5"
	}
	if *kind == "proxylog" {
		stage.AccessLogSettings = &model.AccessLogSettings{DestinationARN: accessLogGroup, Format: accessLogJSON}
	}
	st, err := c.CreateStage(ctx, api.ID, stage)
	if err != nil {
		return err
	}
	target := st.InvokeURL + path
	if err := loopbackURL(target); err != nil {
		return err
	}
	var header []string
	switch *kind {
	case "key", "keyjwt":
		if header, err = keyAndPlan(ctx, c, api.ID); err != nil {
			return err
		}
		if *kind == "keyjwt" {
			tok, err := idToken("http://" + *backend + "/oidc/token?aud=bench")
			if err != nil {
				return err
			}
			header = append(header, "Authorization", "Bearer "+tok)
		}
	case "cache":
		set := model.DefaultMethodSetting()
		set.CachingEnabled, set.CacheTTLInSeconds = true, 3600
		if _, err := c.PutMethodSettings(ctx, api.ID, "prod", "*/*", set); err != nil {
			return err
		}
	}
	if err := waitFor(target, 200, "", 30*time.Second, header...); err != nil {
		return err
	}
	if *kind == "cache" {
		if err := checkCacheHits(target, "http://"+*backend+countPath); err != nil {
			return err
		}
	}
	fmt.Println(target)
	for i := 0; i+1 < len(header); i += 2 {
		fmt.Printf("%s: %s\n", header[i], header[i+1])
	}
	return nil
}

// jwtMethod puts the method behind a COGNITO_USER_POOLS authorizer of the issuer (audience "bench").
func jwtMethod(ctx context.Context, c *client.Client, apiID, resourceID, issuer string) error {
	az, err := c.CreateAuthorizer(ctx, apiID, model.Authorizer{Name: "bench", Type: model.AuthorizerCognito,
		ProviderARNs: []string{issuer}, Audiences: []string{"bench"}})
	if client.IsNotFound(err) {
		return fmt.Errorf("%w: the admin API has no authorizers", errNotSupported)
	}
	if err != nil {
		return err
	}
	id := client.MethodID{RestAPIID: apiID, ResourceID: resourceID, HTTPMethod: "GET"}
	_, err = c.PutMethod(ctx, id, model.Method{Authorization: model.AuthCognito, AuthorizerID: az.ID, APIKeyRequired: true})
	return err
}

// idToken asks the backend's local issuer for an ID token.
func idToken(tokenURL string) (string, error) {
	if err := loopbackURL(tokenURL); err != nil {
		return "", err
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(tokenURL)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		IDToken string `json:"id_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.IDToken == "" {
		return "", fmt.Errorf("no token from %s (status %d): %v", tokenURL, resp.StatusCode, err)
	}
	return out.IDToken, nil
}

// keyAndPlan creates an API key and a usage plan on the stage whose throttle is high enough never to
// refuse, and returns the header that presents the key.
func keyAndPlan(ctx context.Context, c *client.Client, apiID string) ([]string, error) {
	key, err := c.CreateAPIKey(ctx, model.APIKey{Name: "bench-" + apiID, Enabled: true})
	if client.IsNotFound(err) {
		return nil, fmt.Errorf("%w: the admin API has no /v1/apikeys", errNotSupported)
	}
	if err != nil {
		return nil, err
	}
	if key.Value == "" {
		return nil, errors.New("the created api key has no value")
	}
	plan, err := c.CreateUsagePlan(ctx, model.UsagePlan{Name: "bench-" + apiID,
		Throttle:  &model.ThrottleSettings{RateLimit: 1e6, BurstLimit: 1e6},
		APIStages: []model.UsagePlanStage{{APIID: apiID, Stage: "prod"}}})
	if err != nil {
		return nil, err
	}
	if _, err := c.CreateUsagePlanKey(ctx, plan.ID, key.ID, "API_KEY"); err != nil {
		return nil, err
	}
	return []string{"x-api-key", key.Value}, nil
}

// checkCacheHits fails with errNotSupported unless repeated requests leave the backend untouched.
func checkCacheHits(target, countURL string) error {
	cl := newClient()
	count := func() (string, error) {
		a, err := get(cl, countURL)
		return a.body, err
	}
	if _, err := get(cl, target); err != nil {
		return err
	}
	before, err := count()
	if err != nil {
		return err
	}
	for range 5 {
		if a, err := get(cl, target); err != nil || a.status != 200 {
			return fmt.Errorf("cached GET %s: status %d, %v", target, a.status, err)
		}
	}
	after, err := count()
	if err != nil {
		return err
	}
	if before != after {
		return fmt.Errorf("%w: the stage cache is on but the backend served %s..%s for 5 repeated requests", errNotSupported, before, after)
	}
	return nil
}

// manyRoutes creates n GET routes /r0../r(n-1) with conc concurrent calls.
func manyRoutes(ctx context.Context, c *client.Client, api model.RestAPI, n, conc int, uri string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if _, err := route(ctx, c, api.ID, api.RootResourceID, fmt.Sprintf("r%d", i), uri); err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("route r%d: %w", i, err)
					}
					mu.Unlock()
					cancel()
				}
			}
		}()
	}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// runStageUpdate times, n times, from an UpdateStage call pointing a stage at a new deployment to the
// first data-plane answer of that deployment; prints "p50ms p99ms maxms n".
func runStageUpdate(args []string) error {
	fs := flag.NewFlagSet("stageupdate", flag.ContinueOnError)
	af := addAdminFlags(fs)
	n := fs.Int("n", 20, "updates to time")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := af.client()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	api, err := c.CreateRestAPI(ctx, model.RestAPI{Name: fmt.Sprintf("bench-stage-%d", time.Now().UnixNano())})
	if err != nil {
		return err
	}
	res, err := route(ctx, c, api.ID, api.RootResourceID, "v", "")
	if err != nil {
		return err
	}
	id := client.MethodID{RestAPIID: api.ID, ResourceID: res.ID, HTTPMethod: "GET"}
	setVersion := func(v int) (model.Deployment, error) {
		if _, err := c.PutIntegrationResponse(ctx, id, "200", model.IntegrationResponse{
			ResponseTemplates: map[string]string{"application/json": fmt.Sprintf(`{"v":%d}`, v)}}); err != nil {
			return model.Deployment{}, err
		}
		return c.CreateDeployment(ctx, api.ID, model.Deployment{Description: fmt.Sprintf("v%d", v)}, "")
	}
	dep, err := setVersion(0)
	if err != nil {
		return err
	}
	st, err := c.CreateStage(ctx, api.ID, model.Stage{StageName: "prod", DeploymentID: dep.ID})
	if err != nil {
		return err
	}
	target := st.InvokeURL + "/v"
	if err := loopbackURL(target); err != nil {
		return err
	}
	if err := waitFor(target, 200, `"v":0`, 30*time.Second); err != nil {
		return err
	}
	cl := newClient()
	var times []time.Duration
	for v := 1; v <= *n; v++ {
		dep, err := setVersion(v)
		if err != nil {
			return err
		}
		st.DeploymentID = dep.ID
		want := fmt.Sprintf(`"v":%d`, v)
		start := time.Now()
		if st, err = c.UpdateStage(ctx, api.ID, "prod", st); err != nil {
			return err
		}
		for {
			a, err := get(cl, target)
			if err == nil && a.status == 200 && strings.Contains(a.body, want) {
				break
			}
			if time.Since(start) > 30*time.Second {
				return errors.New("the new deployment was not served within 30s of the stage update")
			}
			time.Sleep(100 * time.Microsecond)
		}
		times = append(times, time.Since(start))
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	fmt.Printf("%.3f %.3f %.3f %d\n", ms(percentile(times, 50)), ms(percentile(times, 99)), ms(times[len(times)-1]), len(times))
	return nil
}

// runAdminWrite times n CreateResource calls on an API without a stage at concurrency c; prints
// "writes/s p50ms p99ms errors n".
func runAdminWrite(args []string) error {
	fs := flag.NewFlagSet("adminwrite", flag.ContinueOnError)
	af := addAdminFlags(fs)
	n := fs.Int("n", 1000, "writes")
	conc := fs.Int("c", 1, "concurrency")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := af.client()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	api, err := c.CreateRestAPI(ctx, model.RestAPI{Name: fmt.Sprintf("bench-admin-%d", time.Now().UnixNano())})
	if err != nil {
		return err
	}
	next := make(chan int)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		times []time.Duration
		errs  int
		first error
	)
	start := time.Now()
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t := time.Now()
				_, err := c.CreateResource(ctx, api.ID, model.Resource{ParentID: api.RootResourceID, PathPart: fmt.Sprintf("w%d", i)})
				d := time.Since(t)
				mu.Lock()
				times = append(times, d)
				if err != nil {
					errs++
					if first == nil {
						first = err
					}
				}
				mu.Unlock()
			}
		}()
	}
	for i := range *n {
		next <- i
	}
	close(next)
	wg.Wait()
	el := time.Since(start)
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	fmt.Printf("%.0f %.3f %.3f %d %d\n", float64(len(times))/el.Seconds(), ms(percentile(times, 50)), ms(percentile(times, 99)), errs, len(times))
	if first != nil {
		fmt.Fprintln(os.Stderr, "first error:", first)
	}
	return nil
}

// runDeleteAPI deletes the API a stage URL (http://host/API/STAGE/...) belongs to.
func runDeleteAPI(args []string) error {
	fs := flag.NewFlagSet("deleteapi", flag.ContinueOnError)
	af := addAdminFlags(fs)
	target := fs.String("url", "", "a URL of one of the API's stages")
	if err := fs.Parse(args); err != nil {
		return err
	}
	u, err := url.Parse(*target)
	if err != nil {
		return err
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	c, err := af.client()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	return c.DeleteRestAPI(ctx, id)
}

// The proxylog stage's access log: API Gateway's JSON preset, to DATA_DIR/logs/bench.log.
const (
	accessLogGroup = "arn:aws:logs:us-east-1:123456789012:log-group:bench"
	accessLogJSON  = `{ "requestId":"$context.requestId", "extendedRequestId":"$context.extendedRequestId","ip": "$context.identity.sourceIp", "caller":"$context.identity.caller", "user":"$context.identity.user", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod", "resourcePath":"$context.resourcePath", "status":"$context.status", "protocol":"$context.protocol", "responseLength":"$context.responseLength" }`
)
