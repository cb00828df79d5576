package control_test

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/sqlite"
)

// TestAccount: the account always exists with the daemon's limits; set limits replace them, bad ones
// are refused and change nothing, and a reset puts the daemon's back.
func TestAccount(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "gw.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	reloads := 0
	svc := control.New(st, control.Options{AccountRateLimit: 300, AccountBurstLimit: 20, OnMeteringChange: func() { reloads++ }})
	flags := model.AccountThrottleSettings{RateLimit: 300, BurstLimit: 20}
	if a := must(svc.GetAccount(ctx))(t); a.ThrottleSettings != flags || a.Version != 0 {
		t.Errorf("GetAccount before any write = %+v, want the daemon's limits", a)
	}
	rate, burst, zero := 2.5, 7, 0
	a := must(svc.UpdateAccount(ctx, model.Account{CloudwatchRoleARN: "arn:aws:iam::123456789012:role/cw", ThrottleRateLimit: &rate}, control.Precondition{}))(t)
	if a.ThrottleSettings != (model.AccountThrottleSettings{RateLimit: 2.5, BurstLimit: 20}) || reloads != 1 {
		t.Errorf("UpdateAccount(rate) = %+v after %d reloads, want rate 2.5 with the flag's burst, one reload", a, reloads)
	}
	for name, bad := range map[string]model.Account{
		"burst 0":  {ThrottleBurstLimit: &zero},
		"a user":   {CloudwatchRoleARN: "arn:aws:iam::123456789012:user/bob"},
		"rate NaN": {ThrottleRateLimit: new(float64)},
	} {
		if _, err := svc.UpdateAccount(ctx, bad, control.Precondition{}); status(err) != http.StatusBadRequest {
			t.Errorf("%s: %v, want 400", name, err)
		}
	}
	if _, err := svc.UpdateAccount(ctx, model.Account{ThrottleBurstLimit: &burst}, control.Precondition{IfMatch: a.Version + 5}); status(err) != http.StatusPreconditionFailed {
		t.Errorf("a stale If-Match: %v, want 412", err)
	}
	if got := must(svc.GetAccount(ctx))(t); got.ThrottleSettings.RateLimit != 2.5 {
		t.Errorf("refused updates changed the account: %+v", got)
	}
	if err := svc.ResetAccount(ctx); err != nil {
		t.Fatal(err)
	}
	if got := must(svc.GetAccount(ctx))(t); got.ThrottleSettings != flags || got.CloudwatchRoleARN != "" {
		t.Errorf("GetAccount after reset = %+v, want the defaults", got)
	}
}
