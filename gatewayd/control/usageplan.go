package control

import (
	"context"
	"fmt"
	"sort"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// KeyTypeAPIKey is the only usage plan key type.
const KeyTypeAPIKey = "API_KEY"

func setPlanVersion(p *model.UsagePlan, v int64) { p.Version = v }

func getPlan(tx store.Tx, id string) (model.UsagePlan, error) {
	p, ver, err := getJSON[model.UsagePlan](tx, store.KindUsagePlan, "", id, "usage plan "+id)
	p.Version = ver
	return p, err
}

func planKeyKey(planID, keyID string) string { return planID + "/" + keyID }

// checkPlanStages reports the first api_stages entry that names a missing API or stage.
func checkPlanStages(tx store.Tx, p model.UsagePlan) error {
	for i, st := range p.APIStages {
		f := fmt.Sprintf("api_stages[%d]", i)
		if _, err := getAPI(tx, st.APIID); err != nil {
			if IsNotFound(err) {
				return unprocessable(f, "%s: rest api %q does not exist", f, st.APIID)
			}
			return err
		}
		if _, err := getStageRecord(tx, st.APIID, st.Stage); err != nil {
			if IsNotFound(err) {
				return unprocessable(f, "%s: stage %q does not exist in rest api %s", f, st.Stage, st.APIID)
			}
			return err
		}
	}
	return nil
}

// withPlanARN fills a plan's read-only ARN.
func (s *Service) withPlanARN(p model.UsagePlan) model.UsagePlan {
	p.ARN = "arn:aws:apigateway:" + s.region() + "::/usageplans/" + p.ID
	return p
}

// CreateUsagePlan creates a usage plan.
func (s *Service) CreateUsagePlan(ctx context.Context, in model.UsagePlan) (model.UsagePlan, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return model.UsagePlan{}, invalid(err)
	}
	in.ID = newID()
	err := s.update(ctx, func(t *txn) (err error) {
		if err := checkPlanStages(t, in); err != nil {
			return err
		}
		if in.Version, err = putJSON(t, store.KindUsagePlan, "", in.ID, in, store.ExpectAbsent, "usage plan "+in.ID); err != nil {
			return err
		}
		t.meteringChanged()
		return nil
	})
	return s.withPlanARN(in), err
}

// GetUsagePlan returns one usage plan.
func (s *Service) GetUsagePlan(ctx context.Context, id string) (model.UsagePlan, error) {
	var p model.UsagePlan
	err := s.view(ctx, func(tx store.Tx) (err error) {
		p, err = getPlan(tx, id)
		return err
	})
	return s.withPlanARN(p), err
}

// ListUsagePlans returns every usage plan, ordered by name then id.
func (s *Service) ListUsagePlans(ctx context.Context) ([]model.UsagePlan, error) {
	var out []model.UsagePlan
	err := s.view(ctx, func(tx store.Tx) (err error) {
		out, err = listJSON(tx, store.KindUsagePlan, "", "", setPlanVersion)
		return err
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	for i := range out {
		out[i] = s.withPlanARN(out[i])
	}
	return out, err
}

// UpdateUsagePlan replaces a usage plan. A changed limit applies to the next request; counts are kept.
func (s *Service) UpdateUsagePlan(ctx context.Context, id string, in model.UsagePlan, pre Precondition) (model.UsagePlan, error) {
	if err := checkKey("id", in.ID, id); err != nil {
		return model.UsagePlan{}, err
	}
	in.ID = id
	in.Normalize()
	if err := in.Validate(); err != nil {
		return model.UsagePlan{}, invalid(err)
	}
	err := s.update(ctx, func(t *txn) (err error) {
		if _, err := getPlan(t, id); err != nil {
			return err
		}
		if pre.IfNoneMatch {
			return conflict("usage plan %s already exists", id)
		}
		if err := checkPlanStages(t, in); err != nil {
			return err
		}
		if in.Version, err = putJSON(t, store.KindUsagePlan, "", id, in, pre.expect(), "usage plan "+id); err != nil {
			return err
		}
		t.meteringChanged()
		return nil
	})
	return s.withPlanARN(in), err
}

// DeleteUsagePlan deletes a usage plan with its plan keys and usage counts.
func (s *Service) DeleteUsagePlan(ctx context.Context, id string, pre Precondition) error {
	return s.update(ctx, func(t *txn) error {
		if err := deleteRecord(t, store.KindUsagePlan, "", id, pre.expect(), "usage plan "+id); err != nil {
			return err
		}
		if _, err := t.DeletePrefix(store.KindUsagePlanKey, "", id+"/"); err != nil {
			return err
		}
		if _, err := t.DeletePrefix(store.KindUsage, "", id+"/"); err != nil {
			return err
		}
		t.meteringChanged()
		return nil
	})
}

// dropPlanStages removes the api_stages entries naming apiID (and stage, unless it is empty) from every
// plan, so that deleting a stage or an API leaves every plan valid.
func (t *txn) dropPlanStages(apiID, stage string) error {
	plans, err := listJSON(t, store.KindUsagePlan, "", "", setPlanVersion)
	if err != nil {
		return err
	}
	for _, p := range plans {
		kept := make([]model.UsagePlanStage, 0, len(p.APIStages))
		for _, st := range p.APIStages {
			if st.APIID != apiID || (stage != "" && st.Stage != stage) {
				kept = append(kept, st)
			}
		}
		if len(kept) == len(p.APIStages) {
			continue
		}
		p.APIStages = kept
		if _, err := putJSON(t, store.KindUsagePlan, "", p.ID, p, p.Version, "usage plan "+p.ID); err != nil {
			return err
		}
		t.meteringChanged()
	}
	return nil
}

func getPlanKey(tx store.Tx, planID, keyID string) (model.UsagePlanKey, error) {
	k, ver, err := getJSON[model.UsagePlanKey](tx, store.KindUsagePlanKey, "", planKeyKey(planID, keyID),
		"key "+keyID+" of usage plan "+planID)
	k.Version = ver
	return k, err
}

// withKeyName fills a plan key's name from its API key; the name is not stored with the link so that
// renaming a key shows everywhere.
func withKeyName(tx store.Tx, k model.UsagePlanKey) (model.UsagePlanKey, error) {
	key, err := getAPIKeyRecord(tx, k.KeyID)
	if err != nil && !IsNotFound(err) {
		return k, err
	}
	k.Name = key.Name
	return k, nil
}

// CreateUsagePlanKey attaches an API key to a plan. keyType must be API_KEY or empty.
func (s *Service) CreateUsagePlanKey(ctx context.Context, planID, keyID, keyType string) (model.UsagePlanKey, error) {
	if keyType == "" {
		keyType = KeyTypeAPIKey
	}
	if keyType != KeyTypeAPIKey {
		return model.UsagePlanKey{}, badRequest("key_type", "key_type must be %s, got %q", KeyTypeAPIKey, keyType)
	}
	if keyID == "" {
		return model.UsagePlanKey{}, badRequest("key_id", "key_id is required")
	}
	out := model.UsagePlanKey{UsagePlanID: planID, KeyID: keyID, KeyType: keyType}
	err := s.update(ctx, func(t *txn) (err error) {
		if _, err := getPlan(t, planID); err != nil {
			return err
		}
		key, err := getAPIKeyRecord(t, keyID)
		if IsNotFound(err) {
			return unprocessable("key_id", "key_id %q is not an api key", keyID)
		}
		if err != nil {
			return err
		}
		if _, err := getPlanKey(t, planID, keyID); err == nil {
			return conflict("api key %s is already attached to usage plan %s", keyID, planID)
		}
		stored := out // the name is read from the key, never stored
		if out.Version, err = putJSON(t, store.KindUsagePlanKey, "", planKeyKey(planID, keyID), stored, store.ExpectAbsent,
			"key "+keyID+" of usage plan "+planID); err != nil {
			return err
		}
		out.Name = key.Name
		t.meteringChanged()
		return nil
	})
	return out, err
}

// GetUsagePlanKey returns one key of a plan.
func (s *Service) GetUsagePlanKey(ctx context.Context, planID, keyID string) (model.UsagePlanKey, error) {
	var out model.UsagePlanKey
	err := s.view(ctx, func(tx store.Tx) error {
		if _, err := getPlan(tx, planID); err != nil {
			return err
		}
		k, err := getPlanKey(tx, planID, keyID)
		if err != nil {
			return err
		}
		out, err = withKeyName(tx, k)
		return err
	})
	return out, err
}

// ListUsagePlanKeys returns a plan's keys ordered by key id.
func (s *Service) ListUsagePlanKeys(ctx context.Context, planID string) ([]model.UsagePlanKey, error) {
	var out []model.UsagePlanKey
	err := s.view(ctx, func(tx store.Tx) error {
		if _, err := getPlan(tx, planID); err != nil {
			return err
		}
		links, err := listJSON(tx, store.KindUsagePlanKey, "", planID+"/", func(k *model.UsagePlanKey, v int64) { k.Version = v })
		if err != nil {
			return err
		}
		for _, l := range links {
			l, err := withKeyName(tx, l)
			if err != nil {
				return err
			}
			out = append(out, l)
		}
		return nil
	})
	return out, err
}

// DeleteUsagePlanKey detaches a key from a plan. The key's usage counts under the plan are kept.
func (s *Service) DeleteUsagePlanKey(ctx context.Context, planID, keyID string, pre Precondition) error {
	return s.update(ctx, func(t *txn) error {
		if _, err := getPlan(t, planID); err != nil {
			return err
		}
		if err := deleteRecord(t, store.KindUsagePlanKey, "", planKeyKey(planID, keyID), pre.expect(),
			"key "+keyID+" of usage plan "+planID); err != nil {
			return err
		}
		t.meteringChanged()
		return nil
	})
}

// Metering returns, in one consistent read, everything the data plane needs to authorize API keys and
// apply usage plans. Keys carry only their value's hash.
func (s *Service) Metering(ctx context.Context) (model.MeteringSnapshot, error) {
	var snap model.MeteringSnapshot
	err := s.view(ctx, func(tx store.Tx) error {
		keys, err := listJSON[apiKeyRecord](tx, store.KindAPIKey, "", "", nil)
		if err != nil {
			return err
		}
		names := make(map[string]string, len(keys))
		snap.Keys = make([]model.APIKeyHash, 0, len(keys))
		for _, k := range keys {
			names[k.ID] = k.Name
			snap.Keys = append(snap.Keys, model.APIKeyHash{ID: k.ID, Name: k.Name, Enabled: k.Enabled, ValueHash: k.ValueHash})
		}
		if snap.Plans, err = listJSON(tx, store.KindUsagePlan, "", "", setPlanVersion); err != nil {
			return err
		}
		if snap.PlanKeys, err = listJSON(tx, store.KindUsagePlanKey, "", "", func(k *model.UsagePlanKey, v int64) { k.Version = v }); err != nil {
			return err
		}
		for i := range snap.PlanKeys {
			snap.PlanKeys[i].Name = names[snap.PlanKeys[i].KeyID]
		}
		return nil
	})
	return snap, err
}
