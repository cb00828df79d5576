package apikey

import (
	"strings"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func TestKeyring(t *testing.T) {
	snap := model.MeteringSnapshot{
		Keys: []model.APIKeyHash{
			{ID: "k1", Enabled: true, ValueHash: Hash("value-one-0123456789abcdef")},
			{ID: "k2", Enabled: false, ValueHash: strings.ToUpper(Hash("value-two-0123456789abcdef"))},
		},
		Plans:    []model.UsagePlan{{ID: "p2", APIStages: []model.UsagePlanStage{{APIID: "a", Stage: "s"}}}, {ID: "p1", APIStages: []model.UsagePlanStage{{APIID: "a", Stage: "s"}, {APIID: "a", Stage: "t"}}}},
		PlanKeys: []model.UsagePlanKey{{UsagePlanID: "p2", KeyID: "k1"}, {UsagePlanID: "p1", KeyID: "k1"}},
	}
	r, err := Compile(snap, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, value, wantID string
	}{
		{"known", "value-one-0123456789abcdef", "k1"},
		{"hash in upper case", "value-two-0123456789abcdef", "k2"},
		{"unknown", "value-three-0123456789abcdef", ""},
		{"prefix of a key", "value-one-0123456789abcde", ""},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if k := r.Lookup(tc.value); k != nil {
				got = k.ID
			}
			if got != tc.wantID {
				t.Errorf("Lookup(%q) = %q, want %q", tc.value, got, tc.wantID)
			}
		})
	}
	k := r.Lookup("value-one-0123456789abcdef")
	for _, tc := range []struct{ stage, wantPlan string }{{"s", "p1"}, {"t", "p1"}, {"u", ""}} {
		p, _ := k.Plan("a", tc.stage)
		got := ""
		if p != nil {
			got = p.ID
		}
		if got != tc.wantPlan {
			t.Errorf("Plan(a, %s) = %q, want %q (plans in id order)", tc.stage, got, tc.wantPlan)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	h := Hash("value-one-0123456789abcdef")
	tests := map[string]model.MeteringSnapshot{
		"bad hash":        {Keys: []model.APIKeyHash{{ID: "k1", ValueHash: "zz"}}},
		"not hex":         {Keys: []model.APIKeyHash{{ID: "k1", ValueHash: strings.Repeat("zz", 32)}}},
		"same value":      {Keys: []model.APIKeyHash{{ID: "k1", ValueHash: h}, {ID: "k2", ValueHash: h}}},
		"unknown plan":    {Keys: []model.APIKeyHash{{ID: "k1", ValueHash: h}}, PlanKeys: []model.UsagePlanKey{{UsagePlanID: "nope", KeyID: "k1"}}},
		"plan without id": {Plans: []model.UsagePlan{{}}},
	}
	for name, snap := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Compile(snap, time.Now()); err == nil {
				t.Error("no error")
			}
		})
	}
}
