package control_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/sqlite"
)

// meter is a fixture for metering tests: a service over a fresh store, an API with stages dev and prod,
// and counts of the notifications the service sent.
type meter struct {
	ctx          context.Context
	st           *sqlite.Store
	svc          *control.Service
	api          model.RestAPI
	stageChanges []string
	meterChanges int
}

func newMeter(t *testing.T) *meter {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "gw.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	m := &meter{ctx: context.Background(), st: st}
	m.svc = control.New(st, control.Options{PublicURL: "http://gw.test",
		OnStageChange:    func(api, stage string) { m.stageChanges = append(m.stageChanges, api+"/"+stage) },
		OnMeteringChange: func() { m.meterChanges++ }})
	m.api = must(m.svc.CreateRestAPI(m.ctx, model.RestAPI{Name: "pets"}))(t)
	for _, name := range []string{"dev", "prod"} {
		must(m.svc.CreateStage(m.ctx, m.api.ID, model.Stage{StageName: name, AutoDeploy: true}))(t)
	}
	m.stageChanges, m.meterChanges = nil, 0
	return m
}

func fieldOf(err error) string {
	var ce *control.Error
	if errors.As(err, &ce) {
		return ce.Field
	}
	return ""
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// rawRecords returns every stored record of kind in scope.
func (m *meter) rawRecords(t *testing.T, kind store.Kind, scope string) []store.Record {
	t.Helper()
	var out []store.Record
	if err := m.st.View(m.ctx, func(tx store.Tx) (err error) {
		out, err = tx.List(kind, scope, "")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAPIKeys(t *testing.T) {
	m := newMeter(t)
	gen := must(m.svc.CreateAPIKey(m.ctx, model.APIKey{Name: "gen", Enabled: true}))(t)
	if !regexp.MustCompile(`^[A-Za-z0-9]{40}$`).MatchString(gen.Value) {
		t.Errorf("generated value %q is not 40 characters of [A-Za-z0-9]", gen.Value)
	}
	const chosen = "chosen-value-0123456789"
	own := must(m.svc.CreateAPIKey(m.ctx, model.APIKey{Name: "own", Value: chosen}))(t)
	if own.Value != chosen || own.Enabled {
		t.Errorf("create answer value %q enabled %v, want %q false", own.Value, own.Enabled, chosen)
	}
	if m.meterChanges != 2 {
		t.Errorf("metering notifications after two creates = %d, want 2", m.meterChanges)
	}

	// Reads never carry the value; the store holds only its hash.
	got := must(m.svc.GetAPIKey(m.ctx, own.ID))(t)
	want := own
	want.Value = ""
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetAPIKey (-want +got):\n%s", diff)
	}
	list := must(m.svc.ListAPIKeys(m.ctx))(t)
	if len(list) != 2 || list[0].Name != "gen" || list[0].Value != "" || list[1].Value != "" {
		t.Errorf("ListAPIKeys = %+v, want gen and own without values", list)
	}
	for _, rec := range m.rawRecords(t, store.KindAPIKey, "") {
		if strings.Contains(string(rec.Data), chosen) || strings.Contains(string(rec.Data), gen.Value) {
			t.Errorf("stored record %s holds a key value: %s", rec.Key, rec.Data)
		}
	}
	snap := must(m.svc.Metering(m.ctx))(t)
	wantKeys := []model.APIKeyHash{{ID: gen.ID, Name: "gen", Enabled: true, ValueHash: sha(gen.Value)},
		{ID: own.ID, Name: "own", ValueHash: sha(chosen)}}
	sort.Slice(snap.Keys, func(i, j int) bool { return snap.Keys[i].Name < snap.Keys[j].Name })
	if diff := cmp.Diff(wantKeys, snap.Keys); diff != "" {
		t.Errorf("Metering keys (-want +got):\n%s", diff)
	}

	tests := map[string]struct {
		in         model.APIKey
		create     bool
		wantStatus int
		wantField  string
	}{
		"duplicate value":   {model.APIKey{Name: "dup", Value: chosen}, true, http.StatusConflict, ""},
		"short value":       {model.APIKey{Name: "short", Value: "abc"}, true, http.StatusBadRequest, "value"},
		"no name":           {model.APIKey{}, true, http.StatusBadRequest, "name"},
		"other value":       {model.APIKey{Name: "own", Value: "another-value-0123456789"}, false, http.StatusBadRequest, "value"},
		"same value":        {model.APIKey{Name: "own2", Value: chosen, Enabled: true}, false, 0, ""},
		"id does not match": {model.APIKey{ID: "other", Name: "own"}, false, http.StatusBadRequest, "id"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var err error
			if tc.create {
				_, err = m.svc.CreateAPIKey(m.ctx, tc.in)
			} else {
				_, err = m.svc.UpdateAPIKey(m.ctx, own.ID, tc.in, control.Precondition{})
			}
			if status(err) != tc.wantStatus || fieldOf(err) != tc.wantField {
				t.Errorf("status %d field %q (%v), want %d %q", status(err), fieldOf(err), err, tc.wantStatus, tc.wantField)
			}
		})
	}
	upd := must(m.svc.GetAPIKey(m.ctx, own.ID))(t)
	if upd.Name != "own2" || !upd.Enabled || upd.Value != "" || upd.Version != 2 {
		t.Errorf("after update = %+v, want own2, enabled, no value, version 2", upd)
	}

	// Deleting a key detaches it from its plans.
	plan := must(m.svc.CreateUsagePlan(m.ctx, model.UsagePlan{Name: "p"}))(t)
	must(m.svc.CreateUsagePlanKey(m.ctx, plan.ID, own.ID, ""))(t)
	must(m.svc.CreateUsagePlanKey(m.ctx, plan.ID, gen.ID, ""))(t)
	if err := m.svc.DeleteAPIKey(m.ctx, own.ID, control.Precondition{}); err != nil {
		t.Fatal(err)
	}
	keys := must(m.svc.ListUsagePlanKeys(m.ctx, plan.ID))(t)
	if len(keys) != 1 || keys[0].KeyID != gen.ID {
		t.Errorf("plan keys after deleting %s = %+v, want only %s", own.ID, keys, gen.ID)
	}
	if _, err := m.svc.GetAPIKey(m.ctx, own.ID); status(err) != http.StatusNotFound {
		t.Errorf("GetAPIKey after delete: %v, want 404", err)
	}
}

func TestUsagePlanValidation(t *testing.T) {
	m := newMeter(t)
	api := m.api.ID
	tests := map[string]struct {
		plan       model.UsagePlan
		wantStatus int
		wantField  string
	}{
		"ok": {model.UsagePlan{Name: "gold", Quota: &model.QuotaSettings{Limit: 10, Period: model.PeriodDay},
			APIStages: []model.UsagePlanStage{{APIID: api, Stage: "dev", Throttle: []model.MethodThrottle{{Path: "/pets/GET", RateLimit: 1, BurstLimit: 2}}}}}, 0, ""},
		"no name":       {model.UsagePlan{}, http.StatusBadRequest, "name"},
		"bad period":    {model.UsagePlan{Name: "p", Quota: &model.QuotaSettings{Limit: 1, Period: "YEAR"}}, http.StatusBadRequest, "quota_settings.period"},
		"bad offset":    {model.UsagePlan{Name: "p", Quota: &model.QuotaSettings{Limit: 1, Period: model.PeriodWeek, Offset: 7}}, http.StatusBadRequest, "quota_settings.offset"},
		"negative rate": {model.UsagePlan{Name: "p", Throttle: &model.ThrottleSettings{RateLimit: -1}}, http.StatusBadRequest, "throttle_settings.rate_limit"},
		"missing api": {model.UsagePlan{Name: "p", APIStages: []model.UsagePlanStage{{APIID: "nope000000", Stage: "dev"}}},
			http.StatusUnprocessableEntity, "api_stages[0]"},
		"missing stage": {model.UsagePlan{Name: "p", APIStages: []model.UsagePlanStage{{APIID: api, Stage: "dev"}, {APIID: api, Stage: "qa"}}},
			http.StatusUnprocessableEntity, "api_stages[1]"},
		"bad method path": {model.UsagePlan{Name: "p", APIStages: []model.UsagePlanStage{{APIID: api, Stage: "dev", Throttle: []model.MethodThrottle{{Path: "pets/GET"}}}}},
			http.StatusBadRequest, "api_stages[0].throttle[0].path"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			before := m.meterChanges
			_, err := m.svc.CreateUsagePlan(m.ctx, tc.plan)
			if status(err) != tc.wantStatus || fieldOf(err) != tc.wantField {
				t.Fatalf("CreateUsagePlan status %d field %q (%v), want %d %q", status(err), fieldOf(err), err, tc.wantStatus, tc.wantField)
			}
			wantNotes := 0
			if tc.wantStatus == 0 {
				wantNotes = 1
			}
			if m.meterChanges-before != wantNotes {
				t.Errorf("metering notifications = %d, want %d", m.meterChanges-before, wantNotes)
			}
		})
	}
	plans := must(m.svc.ListUsagePlans(m.ctx))(t)
	if len(plans) != 1 || plans[0].Name != "gold" {
		t.Fatalf("plans = %+v, want only gold (a refused create stores nothing)", plans)
	}
	// An update is checked the same way and keeps the id.
	p := plans[0]
	p.APIStages = append(p.APIStages, model.UsagePlanStage{APIID: api, Stage: "qa"})
	if _, err := m.svc.UpdateUsagePlan(m.ctx, p.ID, p, control.Precondition{}); fieldOf(err) != "api_stages[1]" {
		t.Errorf("UpdateUsagePlan with a missing stage: %v, want field api_stages[1]", err)
	}
	p.APIStages[1].Stage = "prod"
	p.Throttle = &model.ThrottleSettings{RateLimit: 5, BurstLimit: 10}
	upd := must(m.svc.UpdateUsagePlan(m.ctx, p.ID, p, control.Precondition{IfMatch: p.Version}))(t)
	if diff := cmp.Diff(p.APIStages, upd.APIStages); diff != "" || upd.Version != p.Version+1 || upd.ID != p.ID {
		t.Errorf("updated plan %+v, stages diff %s", upd, diff)
	}
	if _, err := m.svc.UpdateUsagePlan(m.ctx, p.ID, p, control.Precondition{IfMatch: p.Version}); status(err) != http.StatusPreconditionFailed {
		t.Errorf("UpdateUsagePlan with a stale If-Match: %v, want 412", err)
	}
}

func TestUsagePlanKeys(t *testing.T) {
	m := newMeter(t)
	plan := must(m.svc.CreateUsagePlan(m.ctx, model.UsagePlan{Name: "p"}))(t)
	key := must(m.svc.CreateAPIKey(m.ctx, model.APIKey{Name: "alice", Enabled: true}))(t)
	pk := must(m.svc.CreateUsagePlanKey(m.ctx, plan.ID, key.ID, ""))(t)
	want := model.UsagePlanKey{UsagePlanID: plan.ID, KeyID: key.ID, KeyType: "API_KEY", Name: "alice", Version: 1}
	if diff := cmp.Diff(want, pk); diff != "" {
		t.Errorf("CreateUsagePlanKey (-want +got):\n%s", diff)
	}
	tests := map[string]struct {
		plan, key, keyType string
		wantStatus         int
		wantField          string
	}{
		"missing plan":     {"nope000000", key.ID, "", http.StatusNotFound, ""},
		"missing key":      {plan.ID, "nope000000", "", http.StatusUnprocessableEntity, "key_id"},
		"already attached": {plan.ID, key.ID, "API_KEY", http.StatusConflict, ""},
		"other key type":   {plan.ID, key.ID, "COGNITO", http.StatusBadRequest, "key_type"},
		"no key id":        {plan.ID, "", "", http.StatusBadRequest, "key_id"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := m.svc.CreateUsagePlanKey(m.ctx, tc.plan, tc.key, tc.keyType)
			if status(err) != tc.wantStatus || fieldOf(err) != tc.wantField {
				t.Errorf("status %d field %q (%v), want %d %q", status(err), fieldOf(err), err, tc.wantStatus, tc.wantField)
			}
		})
	}
	// The name follows the key.
	key.Name, key.Value = "alice2", ""
	must(m.svc.UpdateAPIKey(m.ctx, key.ID, key, control.Precondition{}))(t)
	if got := must(m.svc.GetUsagePlanKey(m.ctx, plan.ID, key.ID))(t).Name; got != "alice2" {
		t.Errorf("plan key name after rename = %q, want alice2", got)
	}
	snap := must(m.svc.Metering(m.ctx))(t)
	if diff := cmp.Diff([]model.UsagePlanKey{{UsagePlanID: plan.ID, KeyID: key.ID, KeyType: "API_KEY", Name: "alice2", Version: 1}}, snap.PlanKeys); diff != "" {
		t.Errorf("Metering plan keys (-want +got):\n%s", diff)
	}

	// Deleting the plan removes its keys and its usage counts.
	day := time.Now().UTC().Format("2006-01-02")
	if err := m.svc.AddUsage(m.ctx, []model.UsageCount{{UsagePlanID: plan.ID, KeyID: key.ID, Day: day, Count: 3}}); err != nil {
		t.Fatal(err)
	}
	if err := m.svc.DeleteUsagePlan(m.ctx, plan.ID, control.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if n := len(m.rawRecords(t, store.KindUsagePlanKey, "")) + len(m.rawRecords(t, store.KindUsage, "")); n != 0 {
		t.Errorf("%d plan key and usage records left after deleting the plan, want 0", n)
	}
	if _, err := m.svc.GetUsagePlanKey(m.ctx, plan.ID, key.ID); status(err) != http.StatusNotFound {
		t.Errorf("GetUsagePlanKey after deleting the plan: %v, want 404", err)
	}
	// A late flush for the deleted plan does not bring its counts back.
	if err := m.svc.AddUsage(m.ctx, []model.UsageCount{{UsagePlanID: plan.ID, KeyID: key.ID, Day: day, Count: 1}}); err != nil {
		t.Fatal(err)
	}
	if n := len(m.rawRecords(t, store.KindUsage, "")); n != 0 {
		t.Errorf("%d usage records for a deleted plan, want 0", n)
	}
}

// method declares verb on the resource at path (such as /pets/{petId}), creating the resources on the way.
func (m *meter) method(t *testing.T, path, verb string) {
	t.Helper()
	parent := m.api.RootResourceID
	for part := range strings.SplitSeq(strings.Trim(path, "/"), "/") {
		var found string
		for _, r := range must(m.svc.ListResources(m.ctx, m.api.ID))(t) {
			if r.ParentID == parent && r.PathPart == part {
				found = r.ID
			}
		}
		if found == "" {
			found = must(m.svc.CreateResource(m.ctx, m.api.ID, model.Resource{ParentID: parent, PathPart: part}))(t).ID
		}
		parent = found
	}
	id := control.MethodID{RestAPIID: m.api.ID, ResourceID: parent, HTTPMethod: verb}
	must(m.svc.PutMethod(m.ctx, id, model.Method{}, control.Precondition{}))(t)
}

func TestMethodSettings(t *testing.T) {
	m := newMeter(t)
	api := m.api.ID
	m.method(t, "/pets/{petId}", "GET")
	m.method(t, "/pets", "ANY")
	m.stageChanges = nil
	deployments := len(must(m.svc.ListDeployments(m.ctx, api))(t))
	throttled := model.DefaultMethodSetting()
	throttled.ThrottlingRateLimit, throttled.ThrottlingBurstLimit = 5, 10

	ms := must(m.svc.PutMethodSettings(m.ctx, api, "dev", "pets/{petId}/GET", throttled, control.Precondition{}))(t)
	want := model.MethodSettings{RestAPIID: api, StageName: "dev", MethodPath: "pets/{petId}/GET", Settings: throttled, Version: 1}
	if diff := cmp.Diff(want, ms); diff != "" {
		t.Errorf("PutMethodSettings (-want +got):\n%s", diff)
	}
	must(m.svc.PutMethodSettings(m.ctx, api, "dev", "*/*", model.DefaultMethodSetting(), control.Precondition{}))(t)
	// Putting the same settings again changes nothing and reloads nothing.
	must(m.svc.PutMethodSettings(m.ctx, api, "dev", "*/*", model.DefaultMethodSetting(), control.Precondition{}))(t)
	if diff := cmp.Diff([]string{api + "/dev", api + "/dev"}, m.stageChanges); diff != "" {
		t.Errorf("stage notifications (-want +got):\n%s", diff)
	}
	if got := len(must(m.svc.ListDeployments(m.ctx, api))(t)); got != deployments {
		t.Errorf("deployments after method settings = %d, want %d (no new deployment)", got, deployments)
	}

	wantMap := map[string]model.MethodSetting{"*/*": model.DefaultMethodSetting(), "pets/{petId}/GET": throttled}
	st := must(m.svc.GetStage(m.ctx, api, "dev"))(t)
	if diff := cmp.Diff(wantMap, st.MethodSettings); diff != "" {
		t.Errorf("GetStage method settings (-want +got):\n%s", diff)
	}
	stages := must(m.svc.ListStages(m.ctx, api))(t)
	if len(stages) != 2 || cmp.Diff(wantMap, stages[0].MethodSettings) != "" || stages[1].MethodSettings != nil {
		t.Errorf("ListStages = %+v, want dev with settings and prod without", stages)
	}
	cfg, _, err := m.svc.StageConfig(m.ctx, api, "dev")
	if err != nil || cmp.Diff(wantMap, cfg.MethodSettings) != "" {
		t.Errorf("StageConfig method settings = %v (%v), want %v", cfg.MethodSettings, err, wantMap)
	}
	list := must(m.svc.ListMethodSettings(m.ctx, api, "dev"))(t)
	if len(list) != 2 || list[0].MethodPath != "*/*" || list[1].MethodPath != "pets/{petId}/GET" {
		t.Errorf("ListMethodSettings = %+v", list)
	}

	// A stage update ignores method_settings in its body and never stores them in the stage record.
	st.MethodSettings = map[string]model.MethodSetting{"other/POST": throttled}
	st.Description = "changed"
	upd := must(m.svc.UpdateStage(m.ctx, api, "dev", st, control.Precondition{}))(t)
	if diff := cmp.Diff(wantMap, upd.MethodSettings); diff != "" {
		t.Errorf("UpdateStage answer's method settings (-want +got):\n%s", diff)
	}
	for _, rec := range m.rawRecords(t, store.KindStage, api) {
		if strings.Contains(string(rec.Data), "method_settings") {
			t.Errorf("stage record %s stores method settings: %s", rec.Key, rec.Data)
		}
	}

	tests := map[string]struct {
		stage, path string
		settings    model.MethodSetting
		wantStatus  int
		wantField   string
	}{
		"missing stage":  {"qa", "*/*", model.DefaultMethodSetting(), http.StatusNotFound, ""},
		"leading slash":  {"dev", "/pets/GET", model.DefaultMethodSetting(), http.StatusBadRequest, "method_path"},
		"no verb":        {"dev", "pets", model.DefaultMethodSetting(), http.StatusBadRequest, "method_path"},
		"no resource":    {"dev", "cats/GET", model.DefaultMethodSetting(), http.StatusUnprocessableEntity, "method_path"},
		"no such verb":   {"dev", "pets/{petId}/POST", model.DefaultMethodSetting(), http.StatusUnprocessableEntity, "method_path"},
		"ANY not GET":    {"dev", "pets/GET", model.DefaultMethodSetting(), http.StatusUnprocessableEntity, "method_path"},
		"negative burst": {"dev", "*/*", model.MethodSetting{ThrottlingRateLimit: -1, ThrottlingBurstLimit: -2}, http.StatusBadRequest, "settings.throttling_burst_limit"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := m.svc.PutMethodSettings(m.ctx, api, tc.stage, tc.path, tc.settings, control.Precondition{})
			if status(err) != tc.wantStatus || fieldOf(err) != tc.wantField {
				t.Errorf("status %d field %q (%v), want %d %q", status(err), fieldOf(err), err, tc.wantStatus, tc.wantField)
			}
		})
	}

	m.stageChanges = nil
	if err := m.svc.DeleteMethodSettings(m.ctx, api, "dev", "*/*", control.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.svc.GetMethodSettings(m.ctx, api, "dev", "*/*"); status(err) != http.StatusNotFound {
		t.Errorf("GetMethodSettings after delete: %v, want 404", err)
	}
	if diff := cmp.Diff([]string{api + "/dev"}, m.stageChanges); diff != "" {
		t.Errorf("stage notifications of a delete (-want +got):\n%s", diff)
	}

	// Deleting the stage deletes its settings: a new stage of the same name starts with none.
	if err := m.svc.DeleteStage(m.ctx, api, "dev", control.Precondition{}); err != nil {
		t.Fatal(err)
	}
	must(m.svc.CreateStage(m.ctx, api, model.Stage{StageName: "dev", AutoDeploy: true}))(t)
	if got := must(m.svc.GetStage(m.ctx, api, "dev"))(t).MethodSettings; got != nil {
		t.Errorf("recreated stage has method settings %v, want none", got)
	}
}

func TestDeletingStagesKeepsPlansValid(t *testing.T) {
	m := newMeter(t)
	api := m.api.ID
	other := must(m.svc.CreateRestAPI(m.ctx, model.RestAPI{Name: "other"}))(t)
	must(m.svc.CreateStage(m.ctx, other.ID, model.Stage{StageName: "dev", AutoDeploy: true}))(t)
	plan := must(m.svc.CreateUsagePlan(m.ctx, model.UsagePlan{Name: "p", APIStages: []model.UsagePlanStage{
		{APIID: api, Stage: "dev"}, {APIID: api, Stage: "prod"}, {APIID: other.ID, Stage: "dev"}}}))(t)
	m.meterChanges = 0

	if err := m.svc.DeleteStage(m.ctx, api, "dev", control.Precondition{}); err != nil {
		t.Fatal(err)
	}
	got := must(m.svc.GetUsagePlan(m.ctx, plan.ID))(t)
	want := []model.UsagePlanStage{{APIID: api, Stage: "prod", Throttle: []model.MethodThrottle{}}, {APIID: other.ID, Stage: "dev", Throttle: []model.MethodThrottle{}}}
	if diff := cmp.Diff(want, got.APIStages); diff != "" {
		t.Errorf("plan stages after deleting stage dev (-want +got):\n%s", diff)
	}
	if m.meterChanges != 1 {
		t.Errorf("metering notifications = %d, want 1", m.meterChanges)
	}
	if err := m.svc.DeleteRestAPI(m.ctx, api, control.Precondition{}); err != nil {
		t.Fatal(err)
	}
	got = must(m.svc.GetUsagePlan(m.ctx, plan.ID))(t)
	if diff := cmp.Diff(want[1:], got.APIStages); diff != "" {
		t.Errorf("plan stages after deleting the api (-want +got):\n%s", diff)
	}
	if m.meterChanges != 2 {
		t.Errorf("metering notifications = %d, want 2", m.meterChanges)
	}
	// The plan is still valid as stored: an update of it as read succeeds.
	must(m.svc.UpdateUsagePlan(m.ctx, plan.ID, got, control.Precondition{}))(t)
	// Deleting a stage no plan lists does not notify.
	must(m.svc.CreateStage(m.ctx, other.ID, model.Stage{StageName: "qa", AutoDeploy: true}))(t)
	m.meterChanges = 0
	if err := m.svc.DeleteStage(m.ctx, other.ID, "qa", control.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if m.meterChanges != 0 {
		t.Errorf("metering notifications for an unlisted stage = %d, want 0", m.meterChanges)
	}
}

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestUsageCountsAndReport(t *testing.T) {
	m := newMeter(t)
	// Weekly quota of 10 starting on Wednesdays (offset 3); 2024-05-01 is a Wednesday.
	weekly := must(m.svc.CreateUsagePlan(m.ctx, model.UsagePlan{Name: "weekly", Quota: &model.QuotaSettings{Limit: 10, Period: model.PeriodWeek, Offset: 3}}))(t)
	open := must(m.svc.CreateUsagePlan(m.ctx, model.UsagePlan{Name: "open"}))(t)
	a := must(m.svc.CreateAPIKey(m.ctx, model.APIKey{Name: "a", Enabled: true}))(t)
	b := must(m.svc.CreateAPIKey(m.ctx, model.APIKey{Name: "b", Enabled: true}))(t)
	for _, k := range []string{a.ID, b.ID} {
		must(m.svc.CreateUsagePlanKey(m.ctx, weekly.ID, k, ""))(t)
	}
	must(m.svc.CreateUsagePlanKey(m.ctx, open.ID, a.ID, ""))(t)

	uc := func(plan, key, d string, n int64) model.UsageCount {
		return model.UsageCount{UsagePlanID: plan, KeyID: key, Day: d, Count: n}
	}
	// Two flushes; the same day in one batch adds up.
	if err := m.svc.AddUsage(m.ctx, []model.UsageCount{uc(weekly.ID, a.ID, "2024-04-30", 4), uc(weekly.ID, a.ID, "2024-05-01", 2),
		uc(weekly.ID, a.ID, "2024-05-01", 1), uc(open.ID, a.ID, "2024-05-02", 7)}); err != nil {
		t.Fatal(err)
	}
	if err := m.svc.AddUsage(m.ctx, []model.UsageCount{uc(weekly.ID, a.ID, "2024-05-02", 5), uc(weekly.ID, a.ID, "2024-05-01", 1)}); err != nil {
		t.Fatal(err)
	}
	loaded := must(m.svc.LoadUsage(m.ctx, time.Date(2024, 5, 1, 23, 0, 0, 0, time.UTC)))(t)
	sort.Slice(loaded, func(i, j int) bool {
		return loaded[i].UsagePlanID+loaded[i].Day < loaded[j].UsagePlanID+loaded[j].Day
	})
	wantLoaded := []model.UsageCount{uc(weekly.ID, a.ID, "2024-05-01", 4), uc(weekly.ID, a.ID, "2024-05-02", 5), uc(open.ID, a.ID, "2024-05-02", 7)}
	sort.Slice(wantLoaded, func(i, j int) bool {
		return wantLoaded[i].UsagePlanID+wantLoaded[i].Day < wantLoaded[j].UsagePlanID+wantLoaded[j].Day
	})
	if diff := cmp.Diff(wantLoaded, loaded); diff != "" {
		t.Errorf("LoadUsage since 2024-05-01 (-want +got):\n%s", diff)
	}

	tests := map[string]struct {
		plan, key  string
		start, end string
		want       map[string][][2]int64
		wantStatus int
	}{
		// 2024-04-30 (Tue) closes the week that began 04-24; 05-01 (Wed) starts a new one.
		"weekly, every key": {weekly.ID, "", "2024-04-30", "2024-05-03", map[string][][2]int64{
			a.ID: {{4, 6}, {4, 6}, {5, 1}, {0, 1}},
			b.ID: {{0, 10}, {0, 10}, {0, 10}, {0, 10}},
		}, 0},
		// Remaining counts what was used earlier in the period, before the report's start.
		"weekly, one key, mid-period": {weekly.ID, a.ID, "2024-05-02", "2024-05-02", map[string][][2]int64{a.ID: {{5, 1}}}, 0},
		"no quota":                    {open.ID, "", "2024-05-01", "2024-05-02", map[string][][2]int64{a.ID: {{0, -1}, {7, -1}}}, 0},
		"end before start":            {weekly.ID, "", "2024-05-02", "2024-05-01", nil, http.StatusBadRequest},
		"90 days":                     {open.ID, "", "2024-01-01", "2024-03-30", nil, 0},
		"91 days":                     {open.ID, "", "2024-01-01", "2024-03-31", nil, http.StatusBadRequest},
		"missing plan":                {"nope000000", "", "2024-05-01", "2024-05-01", nil, http.StatusNotFound},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rep, err := m.svc.UsageReport(m.ctx, tc.plan, tc.key, day(tc.start), day(tc.end))
			if status(err) != tc.wantStatus {
				t.Fatalf("UsageReport status %d (%v), want %d", status(err), err, tc.wantStatus)
			}
			if err != nil || tc.want == nil {
				return
			}
			want := model.UsageReport{UsagePlanID: tc.plan, StartDate: tc.start, EndDate: tc.end, Items: tc.want}
			if diff := cmp.Diff(want, rep); diff != "" {
				t.Errorf("UsageReport (-want +got):\n%s", diff)
			}
		})
	}
	rep := must(m.svc.UsageReport(m.ctx, open.ID, "", day("2024-01-01"), day("2024-03-30")))(t)
	if n := len(rep.Items[a.ID]); n != 90 {
		t.Errorf("90-day report has %d days, want 90", n)
	}
	if err := m.svc.AddUsage(m.ctx, []model.UsageCount{uc(weekly.ID, a.ID, "May 1", 1)}); status(err) != http.StatusBadRequest {
		t.Errorf("AddUsage with a bad day: %v, want 400", err)
	}
}
