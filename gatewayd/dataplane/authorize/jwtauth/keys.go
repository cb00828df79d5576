package jwtauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/sync/singleflight"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// KeysOptions configure a Keys.
type KeysOptions struct {
	// Client fetches discovery documents and key sets. Default: a client with a 5 s timeout.
	Client *http.Client
	// MaxAge is how long a key set is used before it is fetched again (in the background, while the old
	// one serves). Default 1 hour.
	MaxAge time.Duration
	// MinRefresh is the least time between two fetches of one issuer's keys for tokens that name a key
	// the set lacks, so that tokens with made-up key ids cannot make gatewayd hammer the issuer.
	// Default 1 s.
	MinRefresh time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Keys holds the signing keys of token issuers, shared by every stage of a data plane: per issuer, the
// key set its discovery document names, fetched on first use, fetched again when a token names a key
// the set lacks (a rotation: served without restart) and when it is older than MaxAge.
type Keys struct {
	opts    KeysOptions
	mu      sync.Mutex
	issuers map[string]*issuerKeys
}

// NewKeys returns an empty key cache.
func NewKeys(opts KeysOptions) *Keys {
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 5 * time.Second}
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = time.Hour
	}
	if opts.MinRefresh <= 0 {
		opts.MinRefresh = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Keys{opts: opts, issuers: map[string]*issuerKeys{}}
}

type issuerKeys struct {
	issuer string
	set    atomic.Pointer[keySet]
	// lastFetch is when a fetch last started (unix nanoseconds).
	lastFetch atomic.Int64
	flight    singleflight.Group
}

type keySet struct {
	kf      keyfunc.Keyfunc
	fetched time.Time
}

func (k *Keys) issuer(iss string) *issuerKeys {
	k.mu.Lock()
	defer k.mu.Unlock()
	ik := k.issuers[iss]
	if ik == nil {
		ik = &issuerKeys{issuer: iss}
		k.issuers[iss] = ik
	}
	return ik
}

// Prefetch fetches an issuer's keys in the background unless they are known, so that its first token
// does not wait for them.
func (k *Keys) Prefetch(iss string) {
	ik := k.issuer(iss)
	if ik.set.Load() != nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = k.fetch(ctx, ik)
	}()
}

var errUnknownKey = errors.New("the token names a key its issuer does not publish")

// key returns the key that verifies token, an issuer's token.
func (k *Keys) key(ctx context.Context, iss string, token *jwt.Token) (any, error) {
	ik := k.issuer(iss)
	set := ik.set.Load()
	if set == nil {
		var err error
		if set, err = k.fetch(ctx, ik); err != nil {
			return nil, err
		}
	} else if k.opts.Now().Sub(set.fetched) > k.opts.MaxAge {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, _ = k.fetch(ctx, ik)
		}()
	}
	key, err := set.kf.Keyfunc(token)
	if err == nil {
		return key, nil
	}
	// An unknown key: the issuer may have rotated. Fetch again, at most every MinRefresh.
	last := time.Unix(0, ik.lastFetch.Load())
	if k.opts.Now().Sub(last) < k.opts.MinRefresh {
		return nil, fmt.Errorf("%w (%v)", errUnknownKey, err)
	}
	if set, err = k.fetch(ctx, ik); err != nil {
		return nil, err
	}
	if key, err = set.kf.Keyfunc(token); err != nil {
		return nil, fmt.Errorf("%w (%v)", errUnknownKey, err)
	}
	return key, nil
}

// fetch reads the issuer's discovery document and key set, once for all concurrent callers.
func (k *Keys) fetch(ctx context.Context, ik *issuerKeys) (*keySet, error) {
	v, err, _ := ik.flight.Do("fetch", func() (any, error) {
		ik.lastFetch.Store(k.opts.Now().UnixNano())
		set, err := k.load(context.WithoutCancel(ctx), ik.issuer)
		if err != nil {
			return nil, err
		}
		ik.set.Store(set)
		return set, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*keySet), nil
}

// maxDocument bounds a discovery document or key set.
const maxDocument = 1 << 20

func (k *Keys) load(ctx context.Context, issuer string) (*keySet, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var disco struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := k.getJSON(ctx, strings.TrimSuffix(issuer, "/")+"/.well-known/openid-configuration", &disco); err != nil {
		return nil, fmt.Errorf("reading the discovery document of issuer %s: %w", issuer, err)
	}
	if disco.Issuer != issuer {
		return nil, fmt.Errorf("the discovery document of issuer %s names issuer %q", issuer, disco.Issuer)
	}
	if err := checkKeysURL(issuer, disco.JWKSURI); err != nil {
		return nil, err
	}
	var raw json.RawMessage
	if err := k.getJSON(ctx, disco.JWKSURI, &raw); err != nil {
		return nil, fmt.Errorf("reading the key set of issuer %s: %w", issuer, err)
	}
	kf, err := keyfunc.NewJWKSetJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("reading the key set of issuer %s: %w", issuer, err)
	}
	return &keySet{kf: kf, fetched: k.opts.Now()}, nil
}

// checkKeysURL refuses a jwks_uri that could be tampered with: it must be https, or http on a loopback
// address as a local issuer may be.
func checkKeysURL(issuer, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("issuer %s publishes an invalid jwks_uri %q", issuer, raw)
	}
	if u.Scheme == "https" {
		return nil
	}
	if _, _, err := model.IssuerOf(u.Scheme + "://" + u.Host); err != nil || u.Scheme != "http" || strings.HasPrefix(issuer, "https:") {
		return fmt.Errorf("issuer %s publishes jwks_uri %q, which is not https", issuer, raw)
	}
	return nil
}

func (k *Keys) getJSON(ctx context.Context, u string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := k.opts.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument+1))
	if err != nil {
		return err
	}
	if len(body) > maxDocument {
		return fmt.Errorf("GET %s: answer over %d bytes", u, maxDocument)
	}
	return json.Unmarshal(body, out)
}
