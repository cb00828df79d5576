package control

import (
	"context"
	"errors"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// The account is one record ("account", belonging to no API). Its throttle limits replace the
// daemon's flags (Options.AccountRateLimit, AccountBurstLimit) while set; a change reaches the data
// plane through the metering reload, which recompiles the stages when the limits in force change.

const accountKey = "account"

// withLimits fills the limits in force.
func (s *Service) withLimits(a model.Account) model.Account {
	a.ThrottleSettings = model.AccountThrottleSettings{RateLimit: s.opts.AccountRateLimit, BurstLimit: s.opts.AccountBurstLimit}
	if a.ThrottleSettings.RateLimit <= 0 {
		a.ThrottleSettings.RateLimit = model.DefaultAccountRateLimit
	}
	if a.ThrottleSettings.BurstLimit <= 0 {
		a.ThrottleSettings.BurstLimit = model.DefaultAccountBurstLimit
	}
	if a.ThrottleRateLimit != nil {
		a.ThrottleSettings.RateLimit = *a.ThrottleRateLimit
	}
	if a.ThrottleBurstLimit != nil {
		a.ThrottleSettings.BurstLimit = *a.ThrottleBurstLimit
	}
	return a
}

func getAccount(tx store.Tx) (model.Account, error) {
	a, ver, err := getJSON[model.Account](tx, store.KindAccount, "", accountKey, "account")
	if IsNotFound(err) {
		return model.Account{}, nil // never written: the defaults
	}
	a.Version = ver
	return a, err
}

// GetAccount returns the account's settings and the limits in force. It always exists.
func (s *Service) GetAccount(ctx context.Context) (model.Account, error) {
	var out model.Account
	err := s.view(ctx, func(tx store.Tx) (err error) {
		out, err = getAccount(tx)
		return err
	})
	return s.withLimits(out), err
}

// UpdateAccount replaces the account's settings.
func (s *Service) UpdateAccount(ctx context.Context, in model.Account, pre Precondition) (model.Account, error) {
	if err := in.Validate(); err != nil {
		return model.Account{}, invalid(err)
	}
	if pre.IfNoneMatch {
		return model.Account{}, conflict("the account always exists")
	}
	in.ThrottleSettings = model.AccountThrottleSettings{}
	err := s.update(ctx, func(t *txn) error {
		cur, err := getAccount(t)
		if err != nil {
			return err
		}
		expect := pre.expect()
		if cur.Version == 0 {
			// Never written: only an If-Match of 0 (none) can hold.
			if expect > 0 {
				return storeErr(store.ErrVersionMismatch, "account")
			}
			expect = store.ExpectAbsent
		}
		if in.Version, err = putJSON(t, store.KindAccount, "", accountKey, in, expect, "account"); err != nil {
			return err
		}
		t.meteringChanged()
		return nil
	})
	return s.withLimits(in), err
}

// ResetAccount puts the account back to its defaults: no role, the daemon's limits.
func (s *Service) ResetAccount(ctx context.Context) error {
	return s.update(ctx, func(t *txn) error {
		err := t.Delete(store.KindAccount, "", accountKey, store.AnyVersion)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		t.meteringChanged()
		return err
	})
}
