package control

import (
	"context"
	"errors"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// Method settings are records of their own, keyed "STAGE/METHOD_PATH" in the API's scope, rather than
// a field of the stage record: a PUT of the stage cannot drop them, and changing them moves no deployment.

func methodSettingsKey(stage, path string) string { return stage + "/" + path }

func methodSettingsWhat(apiID, stage, path string) string {
	return "method settings " + path + " of stage " + stage + " of rest api " + apiID
}

func setMethodSettingsVersion(m *model.MethodSettings, v int64) { m.Version = v }

// stageMethodSettings returns a stage's method settings keyed by method path, or nil when it has none.
func stageMethodSettings(tx store.Tx, apiID, stage string) (map[string]model.MethodSetting, error) {
	all, err := listJSON(tx, store.KindMethodSettings, apiID, stage+"/", setMethodSettingsVersion)
	if err != nil || len(all) == 0 {
		return nil, err
	}
	out := make(map[string]model.MethodSetting, len(all))
	for _, m := range all {
		out[m.MethodPath] = m.Settings
	}
	return out, nil
}

// withMethodSettings fills the read-only Stage.MethodSettings from the method settings records.
func withMethodSettings(tx store.Tx, st model.Stage) (model.Stage, error) {
	var err error
	st.MethodSettings, err = stageMethodSettings(tx, st.RestAPIID, st.StageName)
	return st, err
}

// PutMethodSettings creates or replaces a stage's settings for methodPath ("*/*" or
// "resource/path/VERB"). A change reaches the data plane at once, without a new deployment.
func (s *Service) PutMethodSettings(ctx context.Context, apiID, stage, methodPath string, in model.MethodSetting, pre Precondition) (model.MethodSettings, error) {
	out := model.MethodSettings{RestAPIID: apiID, StageName: stage, MethodPath: methodPath, Settings: in}
	if err := out.Validate(); err != nil {
		return model.MethodSettings{}, invalid(err)
	}
	what := methodSettingsWhat(apiID, stage, methodPath)
	err := s.update(ctx, func(t *txn) error {
		if _, err := getAPI(t, apiID); err != nil {
			return err
		}
		if _, err := getStageRecord(t, apiID, stage); err != nil {
			return err
		}
		if err := checkMethodPath(t, apiID, methodPath); err != nil {
			return err
		}
		cur, ver, err := getJSON[model.MethodSettings](t, store.KindMethodSettings, apiID, methodSettingsKey(stage, methodPath), what)
		exists := err == nil
		if err != nil && !IsNotFound(err) {
			return err
		}
		if exists && pre.IfNoneMatch {
			return conflict("%s already exist", what)
		}
		if exists && cur.Settings == in && (pre.IfMatch == 0 || pre.IfMatch == ver) {
			out.Version = ver // unchanged: no write, no reload of the stage
			return nil
		}
		if out.Version, err = putJSON(t, store.KindMethodSettings, apiID, methodSettingsKey(stage, methodPath), out, pre.expect(), what); err != nil {
			return err
		}
		t.stageChanged(apiID, stage)
		return nil
	})
	return out, err
}

// checkMethodPath refuses settings for a method the API does not have, as API Gateway does: they
// would never apply. "resource/path/*" needs the resource; "resource/path/VERB" needs a method of that
// verb on it (an ANY method is named "resource/path/ANY").
func checkMethodPath(tx store.Tx, apiID, methodPath string) error {
	if methodPath == "*/*" {
		return nil
	}
	i := strings.LastIndexByte(methodPath, '/')
	path, verb := "/"+methodPath[:i], methodPath[i+1:]
	resources, err := listResources(tx, apiID)
	if err != nil {
		return err
	}
	for _, r := range resources {
		if r.Path != path {
			continue
		}
		if verb == "*" {
			return nil
		}
		if _, err := tx.Get(store.KindMethod, apiID, model.MethodKey(r.ID, verb)); err == nil {
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return unprocessable("method_path", "method_path %q names no method: resource %s has no %s method", methodPath, path, verb)
	}
	return unprocessable("method_path", "method_path %q names no method: rest api %s has no resource %s", methodPath, apiID, path)
}

// GetMethodSettings returns a stage's settings for one method path.
func (s *Service) GetMethodSettings(ctx context.Context, apiID, stage, methodPath string) (model.MethodSettings, error) {
	var out model.MethodSettings
	err := s.view(ctx, func(tx store.Tx) error {
		if _, err := getStageRecord(tx, apiID, stage); err != nil {
			return err
		}
		m, ver, err := getJSON[model.MethodSettings](tx, store.KindMethodSettings, apiID, methodSettingsKey(stage, methodPath),
			methodSettingsWhat(apiID, stage, methodPath))
		out, out.Version = m, ver
		return err
	})
	return out, err
}

// ListMethodSettings returns a stage's method settings ordered by method path.
func (s *Service) ListMethodSettings(ctx context.Context, apiID, stage string) ([]model.MethodSettings, error) {
	var out []model.MethodSettings
	err := s.view(ctx, func(tx store.Tx) (err error) {
		if _, err := getStageRecord(tx, apiID, stage); err != nil {
			return err
		}
		out, err = listJSON(tx, store.KindMethodSettings, apiID, stage+"/", setMethodSettingsVersion)
		return err
	})
	return out, err
}

// DeleteMethodSettings removes a stage's settings for one method path; the method falls back to the
// stage default and the account limit.
func (s *Service) DeleteMethodSettings(ctx context.Context, apiID, stage, methodPath string, pre Precondition) error {
	return s.update(ctx, func(t *txn) error {
		if _, err := getStageRecord(t, apiID, stage); err != nil {
			return err
		}
		if err := deleteRecord(t, store.KindMethodSettings, apiID, methodSettingsKey(stage, methodPath), pre.expect(),
			methodSettingsWhat(apiID, stage, methodPath)); err != nil {
			return err
		}
		t.stageChanged(apiID, stage)
		return nil
	})
}

// deleteStageMethodSettings removes every method setting of a stage, when the stage goes.
// Stage names have no slash, so the prefix "STAGE/" names exactly this stage's records.
func (t *txn) deleteStageMethodSettings(apiID, stage string) error {
	_, err := t.DeletePrefix(store.KindMethodSettings, apiID, stage+"/")
	return err
}
