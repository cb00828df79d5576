package function_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/authtest"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/function"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/iampolicy"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/message"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/throttle"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/upstream"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/redistest"
)

const petsARN = "arn:aws:execute-api:us-east-1:000000000000:api1/prod/GET/pets"

// decide allows "allow-NAME" on GET /pets of every stage with a context and an API key, and denies
// "deny" everything.
func decide(ev authtest.Event) (any, string) {
	tok := ev.String("authorizationToken")
	if name, ok := strings.CutPrefix(tok, "allow-"); ok {
		out := authtest.Output(name, "Allow", "arn:aws:execute-api:*:*:api1/*/GET/pets", map[string]any{"tenant": "t-" + name, "level": 3})
		out["usageIdentifierKey"] = "key-" + name
		return out, ""
	}
	return authtest.Output("nobody", "Deny", "*", nil), ""
}

// node is one gatewayd node's view of the shared cache: its own Redis client and decision cache, as
// the daemon makes them, and a debug log.
type node struct {
	shared *function.Redis
	log    *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func newNode(t *testing.T, rd *redistest.Server) *node {
	t.Helper()
	opts, err := throttle.RedisOptions(rd.URL())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	n := &node{log: &syncBuffer{}}
	n.shared = function.NewRedis(rdb, function.RedisOptions{
		Logger: slog.New(slog.NewTextHandler(n.log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	return n
}

func tokenAuthorizer(uri string, ttl int) model.Authorizer {
	return model.Authorizer{ID: "tok", RestAPIID: "api1", Name: "tok", Type: model.AuthorizerToken, AuthorizerURI: uri,
		IdentitySource: model.DefaultIdentitySource, IdentityValidationExpression: `[a-z-]+`, AuthorizerResultTTLInSeconds: &ttl}
}

// compile compiles a for stage prod of api1 on node n (nil: no shared cache).
func compile(t *testing.T, n *node, a model.Authorizer, scope string) *function.Authorizer {
	t.Helper()
	opts := function.Options{Client: upstream.New(1 << 20), Scope: scope}
	if n != nil {
		opts.Shared = n.shared
	}
	c, err := function.Compile(a, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func authorize(t *testing.T, a *function.Authorizer, header, value string) *function.Decision {
	t.Helper()
	d, err := a.Authorize(context.Background(), &function.Request{
		Req:       &message.Request{ID: "r1", Method: "GET", Path: "/pets", Header: http.Header{header: {value}}, Received: time.Now()},
		MethodARN: petsARN, APIID: "api1", Stage: "prod", ResourceID: "r1", ResourcePath: "/pets", Path: "/pets",
	})
	if err != nil {
		t.Fatalf("Authorize(%s: %s): %v", header, value, err)
	}
	return d
}

func effect(d *function.Decision) iampolicy.Effect {
	return d.Policy.Evaluate(&iampolicy.Request{Action: "execute-api:Invoke", Resource: petsARN})
}

func rdbOf(t *testing.T, rd *redistest.Server) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(rd.URL())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// TestShared_OneCallAcrossNodes: two nodes on one Redis call the function once per token within the
// TTL, allow and explicit deny alike; the second node's decision is the first's (principal, context,
// policy evaluated against the request's method ARN), and no key holds a token.
func TestShared_OneCallAcrossNodes(t *testing.T) {
	rd := redistest.Start(t)
	fn := authtest.NewFunction(t, decide)
	na, nb := newNode(t, rd), newNode(t, rd)
	a := compile(t, na, tokenAuthorizer(fn.URL, 300), "api1/prod")
	b := compile(t, nb, tokenAuthorizer(fn.URL, 300), "api1/prod")

	tests := []struct {
		token     string
		effect    iampolicy.Effect
		principal string
		context   map[string]string
		key       string
	}{
		{"allow-ann", iampolicy.Allow, "ann", map[string]string{"tenant": "t-ann", "level": "3"}, "key-ann"},
		{"deny", iampolicy.Deny, "nobody", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.token, func(t *testing.T) {
			before := fn.Calls()
			first := authorize(t, a, "Authorization", tc.token)
			second := authorize(t, b, "Authorization", tc.token)
			for range 3 {
				authorize(t, a, "Authorization", tc.token)
				authorize(t, b, "Authorization", tc.token)
			}
			if got := fn.Calls() - before; got != 1 {
				t.Errorf("function calls for 8 requests over 2 nodes = %d, want 1", got)
			}
			for node, d := range map[string]*function.Decision{"a": first, "b": second} {
				if d.PrincipalID != tc.principal || d.Authorizer().PrincipalID != tc.principal || d.UsageIdentifierKey != tc.key {
					t.Errorf("node %s's principal, $context.authorizer.principalId, key = %q, %q, %q; want %q, %q, %q", node,
						d.PrincipalID, d.Authorizer().PrincipalID, d.UsageIdentifierKey, tc.principal, tc.principal, tc.key)
				}
				if diff := cmp.Diff(tc.context, d.Context); diff != "" {
					t.Errorf("node %s's context (-want +got):\n%s", node, diff)
				}
				if diff := cmp.Diff(tc.context, d.Authorizer().Context); diff != "" {
					t.Errorf("node %s's $context.authorizer (-want +got):\n%s", node, diff)
				}
			}
			if got := effect(second); got != tc.effect {
				t.Errorf("node b's policy on GET /pets = %v, want %v", got, tc.effect)
			}
		})
	}
	if na.shared.Bypassed() != 0 || nb.shared.Bypassed() != 0 {
		t.Errorf("bypassed = %d and %d with Redis up, want 0 (a miss is not a failure)", na.shared.Bypassed(), nb.shared.Bypassed())
	}
	keys, err := rdbOf(t, rd).Keys(context.Background(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Errorf("redis keys = %q, want one per token", keys)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, "gatewayd:authz:api1/prod:tok:") || strings.Contains(k, "allow") || strings.Contains(k, "deny") {
			t.Errorf("redis key %q: want gatewayd:authz:api1/prod:tok:VERSION:SHA256 with no token in it", k)
		}
	}
}

// TestShared_RequestAuthorizer: a REQUEST authorizer's identity (a header and a query parameter) is
// shared too, and another value of either is another identity.
func TestShared_RequestAuthorizer(t *testing.T) {
	rd := redistest.Start(t)
	fn := authtest.NewFunction(t, func(ev authtest.Event) (any, string) {
		return authtest.Output("req", "Allow", "*", nil), ""
	})
	ttl := 300
	auth := model.Authorizer{ID: "req", Name: "req", Type: model.AuthorizerRequest, AuthorizerURI: fn.URL,
		IdentitySource: "method.request.header.X-Tenant", AuthorizerResultTTLInSeconds: &ttl}
	a := compile(t, newNode(t, rd), auth, "api1/prod")
	b := compile(t, newNode(t, rd), auth, "api1/prod")
	authorize(t, a, "X-Tenant", "one")
	authorize(t, b, "X-Tenant", "one")
	if got := fn.Calls(); got != 1 {
		t.Errorf("function calls for one identity on 2 nodes = %d, want 1", got)
	}
	authorize(t, b, "X-Tenant", "two")
	if got := fn.Calls(); got != 2 {
		t.Errorf("function calls after another identity = %d, want 2", got)
	}
}

// TestShared_RemainingTTL: a decision read from Redis lives only what is left of the TTL from the
// function's call: after it both nodes miss, and the first to call stores the next one for the other.
func TestShared_RemainingTTL(t *testing.T) {
	rd := redistest.Start(t)
	fn := authtest.NewFunction(t, decide)
	a := compile(t, newNode(t, rd), tokenAuthorizer(fn.URL, 1), "api1/prod")
	b := compile(t, newNode(t, rd), tokenAuthorizer(fn.URL, 1), "api1/prod")
	began := time.Now()
	authorize(t, a, "Authorization", "allow-ann")
	time.Sleep(500 * time.Millisecond)
	authorize(t, b, "Authorization", "allow-ann")
	if time.Since(began) < 900*time.Millisecond {
		if got := fn.Calls(); got != 1 {
			t.Fatalf("function calls within the TTL = %d, want 1", got)
		}
	}
	time.Sleep(time.Until(began.Add(1100 * time.Millisecond)))
	// b read the decision half way through its TTL: it expired on b with the TTL, not 1 s after b read it.
	authorize(t, b, "Authorization", "allow-ann")
	if got := fn.Calls(); got != 2 {
		t.Errorf("function calls after the TTL = %d, want 2", got)
	}
	authorize(t, a, "Authorization", "allow-ann")
	if got := fn.Calls(); got != 2 {
		t.Errorf("function calls after node a read node b's new decision = %d, want 2", got)
	}
}

// TestShared_RedisDown: with Redis stopped each node calls the function once for a token and keeps the
// decision in its own cache, counting what it could not do in Redis; once Redis is back (after
// RetryInterval) the nodes share again.
func TestShared_RedisDown(t *testing.T) {
	rd := redistest.Start(t)
	fn := authtest.NewFunction(t, decide)
	na, nb := newNode(t, rd), newNode(t, rd)
	a := compile(t, na, tokenAuthorizer(fn.URL, 300), "api1/prod")
	b := compile(t, nb, tokenAuthorizer(fn.URL, 300), "api1/prod")
	if err := rd.Stop(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		authorize(t, a, "Authorization", "allow-ann")
		authorize(t, b, "Authorization", "allow-ann")
	}
	if got := fn.Calls(); got != 2 {
		t.Errorf("function calls for 6 requests over 2 nodes with Redis down = %d, want 2 (one per node)", got)
	}
	if na.shared.Bypassed() == 0 || nb.shared.Bypassed() == 0 {
		t.Errorf("bypassed = %d and %d, want both counted", na.shared.Bypassed(), nb.shared.Bypassed())
	}
	if !strings.Contains(na.log.String(), "redis unreachable") {
		t.Errorf("node a's log = %q, want the unreachable warning", na.log.String())
	}

	if err := rd.Restart(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(function.RetryInterval + 100*time.Millisecond)
	authorize(t, a, "Authorization", "allow-bob")
	authorize(t, b, "Authorization", "allow-bob")
	if got := fn.Calls(); got != 3 {
		t.Errorf("function calls after Redis is back = %d, want 3 (allow-bob once for both nodes)", got)
	}
}

// TestShared_RedisSlow: a Redis that accepts connections and never answers costs a request the
// client's timeout (throttle.RedisOptions, 2 s) once: the function decides, and the next identities
// within RetryInterval do not wait for Redis at all.
func TestShared_RedisSlow(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(io.Discard, c) }()
		}
	}()
	opts, err := throttle.RedisOptions("redis://" + ln.Addr().String() + "/0")
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	shared := function.NewRedis(rdb, function.RedisOptions{})
	fn := authtest.NewFunction(t, decide)
	a, err := function.Compile(tokenAuthorizer(fn.URL, 300), nil, function.Options{Client: upstream.New(1 << 20), Shared: shared, Scope: "api1/prod"})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if d := authorize(t, a, "Authorization", "allow-ann"); d.PrincipalID != "ann" {
		t.Errorf("principal = %q, want ann", d.PrincipalID)
	}
	if took := time.Since(began); took > opts.ReadTimeout+opts.DialTimeout+time.Second {
		t.Errorf("the first request took %v with Redis silent, want it bounded by the client's timeouts", took)
	}
	began = time.Now()
	authorize(t, a, "Authorization", "allow-bob")
	if took := time.Since(began); took > 500*time.Millisecond {
		t.Errorf("the next identity took %v, want no wait on Redis within RetryInterval", took)
	}
	if fn.Calls() != 2 || shared.Bypassed() < 2 {
		t.Errorf("function calls = %d, bypassed = %d; want 2 calls, the Redis operations counted", fn.Calls(), shared.Bypassed())
	}
}

// TestShared_BadEntryIsAMiss: what Redis holds is another process's memory. An entry that is not a
// decision this gatewayd wrote, or not one the function could have answered, is a miss logged at debug:
// the node calls the function, answers with its decision, and replaces the entry for the others.
func TestShared_BadEntryIsAMiss(t *testing.T) {
	rd := redistest.Start(t)
	rdb := rdbOf(t, rd)
	ctx := context.Background()
	fn := authtest.NewFunction(t, decide)
	policy := `{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]}`
	tests := []struct {
		name  string
		write func(key string) error
	}{
		{"empty", func(k string) error { return rdb.Set(ctx, k, "", time.Minute).Err() }},
		{"not json", func(k string) error { return rdb.Set(ctx, k, "1garbage", time.Minute).Err() }},
		{"unknown format", func(k string) error {
			return rdb.Set(ctx, k, `2{"principalId":"evil","policyDocument":`+policy+`}`, time.Minute).Err()
		}},
		{"no policy", func(k string) error { return rdb.Set(ctx, k, `1{"principalId":"evil"}`, time.Minute).Err() }},
		{"nested context", func(k string) error {
			return rdb.Set(ctx, k, `1{"principalId":"evil","policyDocument":`+policy+`,"context":{"a":{"b":1}}}`, time.Minute).Err()
		}},
		{"policy effect", func(k string) error {
			return rdb.Set(ctx, k, `1{"principalId":"evil","policyDocument":`+strings.Replace(policy, "Allow", "Maybe", 1)+`}`, time.Minute).Err()
		}},
		{"data after the object", func(k string) error {
			return rdb.Set(ctx, k, `1{"principalId":"evil","policyDocument":`+policy+`}{}`, time.Minute).Err()
		}},
		{"too large", func(k string) error {
			return rdb.Set(ctx, k, `1{"principalId":"`+strings.Repeat("e", function.MaxEntryBytes)+`","policyDocument":`+policy+`}`, time.Minute).Err()
		}},
		{"no time to live", func(k string) error {
			return rdb.Set(ctx, k, `1{"principalId":"evil","policyDocument":`+policy+`}`, 0).Err()
		}},
		{"not a string", func(k string) error {
			if err := rdb.Del(ctx, k).Err(); err != nil {
				return err
			}
			return rdb.HSet(ctx, k, "a", "b").Err()
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := rdb.FlushAll(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			a := compile(t, newNode(t, rd), tokenAuthorizer(fn.URL, 300), "api1/prod")
			authorize(t, a, "Authorization", "allow-ann")
			keys, err := rdb.Keys(ctx, "*").Result()
			if err != nil || len(keys) != 1 {
				t.Fatalf("redis keys = %q, %v; want node a's decision", keys, err)
			}
			if err := tc.write(keys[0]); err != nil {
				t.Fatal(err)
			}
			nb := newNode(t, rd)
			b := compile(t, nb, tokenAuthorizer(fn.URL, 300), "api1/prod")
			before := fn.Calls()
			d := authorize(t, b, "Authorization", "allow-ann")
			if got := fn.Calls() - before; got != 1 {
				t.Errorf("function calls on node b = %d, want 1 (the entry is a miss)", got)
			}
			if d.PrincipalID != "ann" || effect(d) != iampolicy.Allow {
				t.Errorf("node b's decision = %q %v, want the function's: ann, Allow", d.PrincipalID, effect(d))
			}
			if !strings.Contains(nb.log.String(), "level=DEBUG") || !strings.Contains(nb.log.String(), "unreadable") {
				t.Errorf("node b's log = %q, want a debug line about the entry", nb.log.String())
			}
			if nb.shared.Bypassed() != 0 {
				t.Errorf("node b bypassed Redis %d times for a bad entry, want 0 (Redis answered)", nb.shared.Bypassed())
			}
			// Node b replaced the entry: a third node reads it.
			c := compile(t, newNode(t, rd), tokenAuthorizer(fn.URL, 300), "api1/prod")
			before = fn.Calls()
			if d := authorize(t, c, "Authorization", "allow-ann"); d.PrincipalID != "ann" {
				t.Errorf("node c's decision principal = %q, want ann", d.PrincipalID)
			}
			if got := fn.Calls() - before; got != 0 {
				t.Errorf("function calls on node c = %d, want 0 (node b stored a good entry)", got)
			}
		})
	}
}

// TestShared_TTLZero: with authorizer_result_ttl_in_seconds 0 every request calls the function and
// Redis is never asked: nothing is stored while it is up, and nothing is counted as bypassed while it
// is down.
func TestShared_TTLZero(t *testing.T) {
	rd := redistest.Start(t)
	fn := authtest.NewFunction(t, decide)
	na, nb := newNode(t, rd), newNode(t, rd)
	a := compile(t, na, tokenAuthorizer(fn.URL, 0), "api1/prod")
	b := compile(t, nb, tokenAuthorizer(fn.URL, 0), "api1/prod")
	for range 3 {
		authorize(t, a, "Authorization", "allow-ann")
		authorize(t, b, "Authorization", "allow-ann")
	}
	if got := fn.Calls(); got != 6 {
		t.Errorf("function calls for 6 requests with TTL 0 = %d, want 6", got)
	}
	if n, err := rdbOf(t, rd).DBSize(context.Background()).Result(); err != nil || n != 0 {
		t.Errorf("redis keys with TTL 0 = %d, %v; want 0", n, err)
	}
	if err := rd.Stop(); err != nil {
		t.Fatal(err)
	}
	authorize(t, a, "Authorization", "allow-ann")
	if got := na.shared.Bypassed() + nb.shared.Bypassed(); got != 0 {
		t.Errorf("redis operations attempted with TTL 0 = %d, want 0", got)
	}
}

// TestShared_ChangedAuthorizer: an authorizer whose settings changed, or the same one on another
// stage, does not read what node a stored; the same settings on the same stage do.
func TestShared_ChangedAuthorizer(t *testing.T) {
	rd := redistest.Start(t)
	fn := authtest.NewFunction(t, decide)
	other := authtest.NewFunction(t, decide)
	a := compile(t, newNode(t, rd), tokenAuthorizer(fn.URL, 300), "api1/prod")
	authorize(t, a, "Authorization", "allow-ann")

	changed := func(f func(*model.Authorizer)) model.Authorizer {
		m := tokenAuthorizer(fn.URL, 300)
		f(&m)
		return m
	}
	tests := []struct {
		name  string
		auth  model.Authorizer
		scope string
		calls int64 // of fn and other together
	}{
		{"same settings", tokenAuthorizer(fn.URL, 300), "api1/prod", 0},
		{"another function", tokenAuthorizer(other.URL, 300), "api1/prod", 1},
		{"another ttl", tokenAuthorizer(fn.URL, 60), "api1/prod", 1},
		{"another validation expression", changed(func(m *model.Authorizer) { m.IdentityValidationExpression = `allow-.*` }), "api1/prod", 1},
		{"another identity source", changed(func(m *model.Authorizer) { m.IdentitySource = "method.request.header.X-Token" }), "api1/prod", 1},
		{"another stage", tokenAuthorizer(fn.URL, 300), "api1/dev", 1},
		{"another api", tokenAuthorizer(fn.URL, 300), "api2/prod", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := compile(t, newNode(t, rd), tc.auth, tc.scope)
			header := "Authorization"
			if tc.auth.IdentitySource != model.DefaultIdentitySource {
				header = "X-Token"
			}
			before := fn.Calls() + other.Calls()
			authorize(t, b, header, "allow-ann")
			if got := fn.Calls() + other.Calls() - before; got != tc.calls {
				t.Errorf("function calls = %d, want %d", got, tc.calls)
			}
		})
	}
}

// BenchmarkShared_RedisHit: a decision read from the shared cache on a local miss (a local cache of
// one entry, two tokens in turn): one Redis round trip and decoding the entry.
func BenchmarkShared_RedisHit(b *testing.B) {
	rd := redistest.Start(b)
	fn := authtest.NewFunction(b, decide)
	opts, err := throttle.RedisOptions(rd.URL())
	if err != nil {
		b.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	a, err := function.Compile(tokenAuthorizer(fn.URL, 300), nil, function.Options{Client: upstream.New(1 << 20), MaxEntries: 1,
		Shared: function.NewRedis(rdb, function.RedisOptions{}), Scope: "api1/prod"})
	if err != nil {
		b.Fatal(err)
	}
	reqs := [2]*function.Request{}
	for i, tok := range []string{"allow-ann", "allow-bob"} {
		reqs[i] = &function.Request{Req: &message.Request{ID: "r1", Method: "GET", Path: "/pets", Header: http.Header{"Authorization": {tok}}, Received: time.Now()},
			MethodARN: petsARN, APIID: "api1", Stage: "prod", ResourcePath: "/pets", Path: "/pets"}
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := a.Authorize(ctx, reqs[i%2]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	if fn.Calls() != 2 {
		b.Fatalf("function called %d times, want 2 (every other lookup a Redis hit)", fn.Calls())
	}
}
