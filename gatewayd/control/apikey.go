package control

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// apiKeyRecord is an API key as stored: the value never, only its SHA-256.
type apiKeyRecord struct {
	model.APIKey
	ValueHash string `json:"value_hash"`
}

// GeneratedAPIKeyLength is the length of a value the server generates.
const GeneratedAPIKeyLength = 40

const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// newAPIKeyValue returns GeneratedAPIKeyLength random characters of [A-Za-z0-9] (about 238 bits).
func newAPIKeyValue() string {
	out := make([]byte, 0, GeneratedAPIKeyLength)
	buf := make([]byte, 64)
	for len(out) < GeneratedAPIKeyLength {
		if _, err := rand.Read(buf); err != nil {
			panic(fmt.Sprintf("reading random bytes: %v", err)) // crypto/rand never fails on Linux
		}
		for _, b := range buf {
			// Rejecting bytes from 248 up keeps every character equally likely (248 = 4 * 62).
			if b < 248 && len(out) < GeneratedAPIKeyLength {
				out = append(out, keyAlphabet[int(b)%len(keyAlphabet)])
			}
		}
	}
	return string(out)
}

// HashAPIKey returns the hex SHA-256 of an API key value, the form in which keys are stored and matched.
func HashAPIKey(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:])
}

func setAPIKeyRecordVersion(k *apiKeyRecord, v int64) { k.Version = v }

func getAPIKeyRecord(tx store.Tx, id string) (apiKeyRecord, error) {
	k, ver, err := getJSON[apiKeyRecord](tx, store.KindAPIKey, "", id, "api key "+id)
	k.Version = ver
	return k, err
}

// public is the key as the admin API shows it: without its value, with its ARN.
func (k apiKeyRecord) public(region string) model.APIKey {
	out := k.APIKey
	out.Value = ""
	out.ARN = "arn:aws:apigateway:" + region + "::/apikeys/" + out.ID
	return out
}

// CreateAPIKey creates an API key with in.Value, or a generated value when it is empty. The answer is
// the only one that carries the value: the store keeps only its hash.
func (s *Service) CreateAPIKey(ctx context.Context, in model.APIKey) (model.APIKey, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return model.APIKey{}, invalid(err)
	}
	value := in.Value
	if value == "" {
		value = newAPIKeyValue()
	}
	rec := apiKeyRecord{APIKey: in, ValueHash: HashAPIKey(value)}
	rec.ID = newID()
	rec.Value = ""
	rec.CreatedDate = s.now()
	rec.LastUpdatedDate = rec.CreatedDate
	err := s.update(ctx, func(t *txn) error {
		// The data plane finds a key by its hash, so two keys must not share a value. Creating keys is
		// rare enough for a scan.
		all, err := listJSON[apiKeyRecord](t, store.KindAPIKey, "", "", nil)
		if err != nil {
			return err
		}
		for _, k := range all {
			if k.ValueHash == rec.ValueHash {
				return conflict("an api key with this value already exists (%s)", k.ID)
			}
		}
		if rec.Version, err = putJSON(t, store.KindAPIKey, "", rec.ID, rec, store.ExpectAbsent, "api key "+rec.ID); err != nil {
			return err
		}
		t.meteringChanged()
		return nil
	})
	if err != nil {
		return model.APIKey{}, err
	}
	out := rec.public(s.region())
	out.Value = value
	return out, nil
}

// GetAPIKey returns one API key, without its value.
func (s *Service) GetAPIKey(ctx context.Context, id string) (model.APIKey, error) {
	var k apiKeyRecord
	err := s.view(ctx, func(tx store.Tx) (err error) {
		k, err = getAPIKeyRecord(tx, id)
		return err
	})
	return k.public(s.region()), err
}

// ListAPIKeys returns every API key, without values, ordered by name then id.
func (s *Service) ListAPIKeys(ctx context.Context) ([]model.APIKey, error) {
	var recs []apiKeyRecord
	err := s.view(ctx, func(tx store.Tx) (err error) {
		recs, err = listJSON(tx, store.KindAPIKey, "", "", setAPIKeyRecordVersion)
		return err
	})
	out := make([]model.APIKey, 0, len(recs))
	for _, r := range recs {
		out = append(out, r.public(s.region()))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// UpdateAPIKey replaces a key's name, description, enabled flag and tags. Its value cannot change: a
// body may repeat it (as a whole-object PUT does) but not send another one.
func (s *Service) UpdateAPIKey(ctx context.Context, id string, in model.APIKey, pre Precondition) (model.APIKey, error) {
	if err := checkKey("id", in.ID, id); err != nil {
		return model.APIKey{}, err
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return model.APIKey{}, invalid(err)
	}
	var out model.APIKey
	err := s.update(ctx, func(t *txn) error {
		cur, err := getAPIKeyRecord(t, id)
		if err != nil {
			return err
		}
		if pre.IfNoneMatch {
			return conflict("api key %s already exists", id)
		}
		if in.Value != "" && HashAPIKey(in.Value) != cur.ValueHash {
			return badRequest("value", "value of api key %s cannot change; create a new key instead", id)
		}
		cur.Name, cur.Description, cur.Enabled, cur.Tags = in.Name, in.Description, in.Enabled, in.Tags
		cur.CustomerID = in.CustomerID
		cur.LastUpdatedDate = t.s.now()
		if cur.Version, err = putJSON(t, store.KindAPIKey, "", id, cur, pre.expect(), "api key "+id); err != nil {
			return err
		}
		t.meteringChanged()
		out = cur.public(t.s.region())
		return nil
	})
	return out, err
}

// DeleteAPIKey deletes a key and detaches it from every usage plan. Its usage counts stay with the
// plans, as history.
func (s *Service) DeleteAPIKey(ctx context.Context, id string, pre Precondition) error {
	return s.update(ctx, func(t *txn) error {
		if err := deleteRecord(t, store.KindAPIKey, "", id, pre.expect(), "api key "+id); err != nil {
			return err
		}
		links, err := t.List(store.KindUsagePlanKey, "", "")
		if err != nil {
			return err
		}
		for _, l := range links {
			if strings.HasSuffix(l.Key, "/"+id) {
				if err := t.Delete(store.KindUsagePlanKey, "", l.Key, store.AnyVersion); err != nil {
					return err
				}
			}
		}
		t.meteringChanged()
		return nil
	})
}
