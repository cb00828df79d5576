package control

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/iampolicy"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// IAM users are keyed by name, access keys by id, user policies by "USER/POLICY"; none belongs to an
// API. Every change reloads the data plane's credentials (meteringChanged).

func setIAMUserVersion(u *model.IAMUser, v int64)         { u.Version = v }
func setIAMPolicyVersion(p *model.IAMUserPolicy, v int64) { p.Version = v }

func userWhat(name string) string { return "IAM user " + name }

func accessKeyWhat(id string) string { return "IAM access key " + id }

func userPolicyWhat(user, name string) string { return "policy " + name + " of IAM user " + user }

// accessKeyRecord is an access key as stored: its secret sealed with the data directory's key.
type accessKeyRecord struct {
	model.IAMAccessKey
	SealedSecret string `json:"sealed_secret"`
}

// randomString returns n characters of alphabet from crypto/rand.
func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("reading random bytes: %v", err)) // crypto/rand never fails on Linux
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

const upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// CreateIAMUser adds a user.
func (s *Service) CreateIAMUser(ctx context.Context, in model.IAMUser) (model.IAMUser, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return model.IAMUser{}, invalid(err)
	}
	in.ARN = model.IAMUserARN(in.Path, in.Name)
	in.UniqueID = "AIDA" + randomString(17, upperAlnum)
	in.CreatedDate = s.now()
	err := s.update(ctx, func(t *txn) error {
		if _, err := t.Get(store.KindIAMUser, "", in.Name); err == nil {
			return conflict("%s already exists; import it (ID %s) or choose another name", userWhat(in.Name), in.Name)
		}
		var err error
		in.Version, err = putJSON(t, store.KindIAMUser, "", in.Name, in, store.ExpectAbsent, userWhat(in.Name))
		t.meteringChanged()
		return err
	})
	return in, err
}

// GetIAMUser returns a user.
func (s *Service) GetIAMUser(ctx context.Context, name string) (model.IAMUser, error) {
	var out model.IAMUser
	err := s.view(ctx, func(tx store.Tx) (err error) {
		out, out.Version, err = getJSON[model.IAMUser](tx, store.KindIAMUser, "", name, userWhat(name))
		return err
	})
	return out, err
}

// ListIAMUsers returns every user, by name.
func (s *Service) ListIAMUsers(ctx context.Context) ([]model.IAMUser, error) {
	var out []model.IAMUser
	err := s.view(ctx, func(tx store.Tx) (err error) {
		out, err = listJSON(tx, store.KindIAMUser, "", "", setIAMUserVersion)
		return err
	})
	return out, err
}

// UpdateIAMUser replaces a user's path and tags; the name is its key.
func (s *Service) UpdateIAMUser(ctx context.Context, name string, in model.IAMUser, pre Precondition) (model.IAMUser, error) {
	if err := checkKey("name", in.Name, name); err != nil {
		return model.IAMUser{}, err
	}
	in.Name = name
	in.Normalize()
	if err := in.Validate(); err != nil {
		return model.IAMUser{}, invalid(err)
	}
	var out model.IAMUser
	err := s.update(ctx, func(t *txn) error {
		cur, _, err := getJSON[model.IAMUser](t, store.KindIAMUser, "", name, userWhat(name))
		if err != nil {
			return err
		}
		if pre.IfNoneMatch {
			return conflict("%s already exists", userWhat(name))
		}
		cur.Path, cur.Tags, cur.ARN = in.Path, in.Tags, model.IAMUserARN(in.Path, name)
		if cur.Version, err = putJSON(t, store.KindIAMUser, "", name, cur, pre.expect(), userWhat(name)); err != nil {
			return err
		}
		out = cur
		t.meteringChanged()
		return nil
	})
	return out, err
}

// DeleteIAMUser deletes a user without access keys or policies (409 otherwise, as IAM's DeleteConflict).
func (s *Service) DeleteIAMUser(ctx context.Context, name string, pre Precondition) error {
	return s.update(ctx, func(t *txn) error {
		if _, _, err := getJSON[model.IAMUser](t, store.KindIAMUser, "", name, userWhat(name)); err != nil {
			return err
		}
		keys, err := listJSON[accessKeyRecord](t, store.KindIAMAccessKey, "", "", nil)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if k.UserName == name {
				return conflict("%s has access key %s; delete its access keys and policies first", userWhat(name), k.ID)
			}
		}
		pols, err := t.List(store.KindIAMUserPolicy, "", name+"/")
		if err != nil {
			return err
		}
		if len(pols) > 0 {
			return conflict("%s has policy %s; delete its access keys and policies first", userWhat(name), strings.TrimPrefix(pols[0].Key, name+"/"))
		}
		t.meteringChanged()
		return deleteRecord(t, store.KindIAMUser, "", name, pre.expect(), userWhat(name))
	})
}

// CreateIAMAccessKey makes an access key for a user and returns it with its secret, the only time the
// secret is ever returned.
func (s *Service) CreateIAMAccessKey(ctx context.Context, in model.IAMAccessKey) (model.IAMAccessKey, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return model.IAMAccessKey{}, invalid(err)
	}
	if len(s.opts.SecretKey) != 32 {
		return model.IAMAccessKey{}, internal(errors.New("this gatewayd has no key to keep access key secrets with; see the daemon's data directory"))
	}
	in.ID = "AKIA" + randomString(16, upperAlnum)
	in.Secret = randomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
	in.CreatedDate = s.now()
	sealed, err := s.seal(in.Secret)
	if err != nil {
		return model.IAMAccessKey{}, internal(err)
	}
	rec := accessKeyRecord{IAMAccessKey: in, SealedSecret: sealed}
	rec.Secret = ""
	err = s.update(ctx, func(t *txn) error {
		if _, _, err := getJSON[model.IAMUser](t, store.KindIAMUser, "", in.UserName, userWhat(in.UserName)); IsNotFound(err) {
			return unprocessable("user_name", "user_name %q is not an IAM user", in.UserName)
		} else if err != nil {
			return err
		}
		var err error
		in.Version, err = putJSON(t, store.KindIAMAccessKey, "", in.ID, rec, store.ExpectAbsent, accessKeyWhat(in.ID))
		t.meteringChanged()
		return err
	})
	return in, err
}

// GetIAMAccessKey returns an access key, without its secret.
func (s *Service) GetIAMAccessKey(ctx context.Context, id string) (model.IAMAccessKey, error) {
	var out model.IAMAccessKey
	err := s.view(ctx, func(tx store.Tx) error {
		rec, ver, err := getJSON[accessKeyRecord](tx, store.KindIAMAccessKey, "", id, accessKeyWhat(id))
		out, out.Version = rec.IAMAccessKey, ver
		return err
	})
	return out, err
}

// ListIAMAccessKeys returns the access keys of a user (all users' when userName is empty).
func (s *Service) ListIAMAccessKeys(ctx context.Context, userName string) ([]model.IAMAccessKey, error) {
	var out []model.IAMAccessKey
	err := s.view(ctx, func(tx store.Tx) error {
		recs, err := listJSON(tx, store.KindIAMAccessKey, "", "", func(r *accessKeyRecord, v int64) { r.Version = v })
		for _, r := range recs {
			if userName == "" || r.UserName == userName {
				out = append(out, r.IAMAccessKey)
			}
		}
		return err
	})
	return out, err
}

// UpdateIAMAccessKey changes a key's status, the only field that is not fixed.
func (s *Service) UpdateIAMAccessKey(ctx context.Context, id string, in model.IAMAccessKey, pre Precondition) (model.IAMAccessKey, error) {
	if err := checkKey("id", in.ID, id); err != nil {
		return model.IAMAccessKey{}, err
	}
	in.Normalize()
	var out model.IAMAccessKey
	err := s.update(ctx, func(t *txn) error {
		rec, _, err := getJSON[accessKeyRecord](t, store.KindIAMAccessKey, "", id, accessKeyWhat(id))
		if err != nil {
			return err
		}
		if pre.IfNoneMatch {
			return conflict("%s already exists", accessKeyWhat(id))
		}
		if in.UserName != "" && in.UserName != rec.UserName {
			return badRequest("user_name", "user_name of an access key cannot change (it is %s); make a new key instead", rec.UserName)
		}
		in.UserName = rec.UserName
		if err := in.Validate(); err != nil {
			return invalid(err)
		}
		rec.Status = in.Status
		if rec.Version, err = putJSON(t, store.KindIAMAccessKey, "", id, rec, pre.expect(), accessKeyWhat(id)); err != nil {
			return err
		}
		out = rec.IAMAccessKey
		t.meteringChanged()
		return nil
	})
	return out, err
}

// DeleteIAMAccessKey deletes an access key: its signatures are refused from the next request on.
func (s *Service) DeleteIAMAccessKey(ctx context.Context, id string, pre Precondition) error {
	return s.update(ctx, func(t *txn) error {
		t.meteringChanged()
		return deleteRecord(t, store.KindIAMAccessKey, "", id, pre.expect(), accessKeyWhat(id))
	})
}

// checkPolicyDocument refuses (400) a document gatewayd cannot evaluate, naming what is wrong.
func checkPolicyDocument(field, doc string, kind iampolicy.Kind) error {
	if _, err := iampolicy.Parse([]byte(doc), iampolicy.Options{Kind: kind, Region: model.DefaultRegion, APIID: "api", AccountID: model.AccountID}); err != nil {
		return badRequest(field, "%s: %v", field, err)
	}
	return nil
}

// PutIAMUserPolicy creates or replaces an inline policy of a user.
func (s *Service) PutIAMUserPolicy(ctx context.Context, user, name string, in model.IAMUserPolicy, pre Precondition) (model.IAMUserPolicy, error) {
	if err := checkKey("user_name", in.UserName, user); err != nil {
		return model.IAMUserPolicy{}, err
	}
	if err := checkKey("name", in.Name, name); err != nil {
		return model.IAMUserPolicy{}, err
	}
	in.UserName, in.Name = user, name
	if err := in.Validate(); err != nil {
		return model.IAMUserPolicy{}, invalid(err)
	}
	if err := checkPolicyDocument("policy", in.Policy, iampolicy.Identity); err != nil {
		return model.IAMUserPolicy{}, err
	}
	err := s.update(ctx, func(t *txn) error {
		if _, _, err := getJSON[model.IAMUser](t, store.KindIAMUser, "", user, userWhat(user)); IsNotFound(err) {
			return unprocessable("user_name", "user_name %q is not an IAM user", user)
		} else if err != nil {
			return err
		}
		var err error
		in.Version, err = putJSON(t, store.KindIAMUserPolicy, "", user+"/"+name, in, pre.expect(), userPolicyWhat(user, name))
		t.meteringChanged()
		return err
	})
	return in, err
}

// GetIAMUserPolicy returns an inline policy of a user.
func (s *Service) GetIAMUserPolicy(ctx context.Context, user, name string) (model.IAMUserPolicy, error) {
	var out model.IAMUserPolicy
	err := s.view(ctx, func(tx store.Tx) (err error) {
		out, out.Version, err = getJSON[model.IAMUserPolicy](tx, store.KindIAMUserPolicy, "", user+"/"+name, userPolicyWhat(user, name))
		return err
	})
	return out, err
}

// ListIAMUserPolicies returns the inline policies of a user.
func (s *Service) ListIAMUserPolicies(ctx context.Context, user string) ([]model.IAMUserPolicy, error) {
	var out []model.IAMUserPolicy
	err := s.view(ctx, func(tx store.Tx) (err error) {
		out, err = listJSON(tx, store.KindIAMUserPolicy, "", user+"/", setIAMPolicyVersion)
		return err
	})
	return out, err
}

// DeleteIAMUserPolicy deletes an inline policy of a user.
func (s *Service) DeleteIAMUserPolicy(ctx context.Context, user, name string, pre Precondition) error {
	return s.update(ctx, func(t *txn) error {
		t.meteringChanged()
		return deleteRecord(t, store.KindIAMUserPolicy, "", user+"/"+name, pre.expect(), userPolicyWhat(user, name))
	})
}

// IAM returns what the data plane needs to verify signed requests: every access key with its secret
// unsealed, and every user's policies.
func (s *Service) IAM(ctx context.Context) (model.IAMSnapshot, error) {
	snap := model.IAMSnapshot{Policies: map[string][]model.IAMUserPolicy{}}
	err := s.view(ctx, func(tx store.Tx) error {
		users, err := listJSON(tx, store.KindIAMUser, "", "", setIAMUserVersion)
		if err != nil {
			return err
		}
		byName := make(map[string]model.IAMUser, len(users))
		for _, u := range users {
			byName[u.Name] = u
		}
		keys, err := listJSON[accessKeyRecord](tx, store.KindIAMAccessKey, "", "", nil)
		if err != nil {
			return err
		}
		for _, k := range keys {
			u, ok := byName[k.UserName]
			if !ok {
				continue
			}
			secret, err := s.unseal(k.SealedSecret)
			if err != nil {
				return fmt.Errorf("unsealing the secret of %s: %w", accessKeyWhat(k.ID), err)
			}
			snap.Credentials = append(snap.Credentials, model.IAMCredential{AccessKeyID: k.ID, Secret: secret,
				Active: k.Status == model.AccessKeyActive, UserName: u.Name, UserARN: u.ARN, UniqueID: u.UniqueID})
		}
		pols, err := listJSON(tx, store.KindIAMUserPolicy, "", "", setIAMPolicyVersion)
		for _, p := range pols {
			snap.Policies[p.UserName] = append(snap.Policies[p.UserName], p)
		}
		return err
	})
	return snap, err
}

// seal encrypts a secret with the data directory's key: base64(nonce || AES-256-GCM ciphertext).
func (s *Service) seal(secret string) (string, error) {
	aead, err := s.aead()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(secret), []byte("gatewayd access key"))), nil
}

func (s *Service) unseal(sealed string) (string, error) {
	aead, err := s.aead()
	if err != nil {
		return "", err
	}
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(b) < aead.NonceSize() {
		return "", errors.New("sealed secret is not base64 of a nonce and a ciphertext")
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], []byte("gatewayd access key"))
	if err != nil {
		return "", fmt.Errorf("the data directory's secret key does not open it (was the key replaced?): %w", err)
	}
	return string(plain), nil
}

func (s *Service) aead() (cipher.AEAD, error) {
	if len(s.opts.SecretKey) != 32 {
		return nil, &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: "no secret key configured"}
	}
	block, err := aes.NewCipher(s.opts.SecretKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
