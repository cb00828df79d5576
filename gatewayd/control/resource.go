package control

import (
	"context"
	"sort"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

func setResourceVersion(r *model.Resource, v int64) { r.Version = v }

func getResource(tx store.Tx, apiID, id string) (model.Resource, error) {
	r, ver, err := getJSON[model.Resource](tx, store.KindResource, apiID, id, "resource "+id+" of rest api "+apiID)
	r.Version = ver
	return r, err
}

func listResources(tx store.Tx, apiID string) ([]model.Resource, error) {
	return listJSON(tx, store.KindResource, apiID, "", setResourceVersion)
}

func joinPath(parent, part string) string {
	if parent == "/" {
		return "/" + part
	}
	return parent + "/" + part
}

// checkPlacement verifies that r (with ParentID and PathPart set) can sit under its parent among all.
func checkPlacement(all []model.Resource, r model.Resource) (parent model.Resource, err error) {
	found := false
	for _, x := range all {
		if x.ID == r.ParentID {
			parent, found = x, true
		}
	}
	if !found {
		return parent, unprocessable("parent_id", "parent_id %q is not a resource of rest api %s", r.ParentID, r.RestAPIID)
	}
	if model.IsGreedy(parent.PathPart) {
		return parent, badRequest("parent_id", "parent_id %q is the greedy resource %s, which cannot have children", parent.ID, parent.Path)
	}
	for _, x := range all {
		if x.ParentID != r.ParentID || x.ID == r.ID || x.ID == "" {
			continue
		}
		if x.PathPart == r.PathPart {
			return parent, conflict("resource %s already has a child %q (resource %s)", parent.Path, r.PathPart, x.ID)
		}
		// The router cannot tell sibling parameters apart: {id} beside {name}, or {proxy+} beside
		// {other+}, would make the same request match both.
		if model.IsParam(x.PathPart) && model.IsParam(r.PathPart) && model.IsGreedy(x.PathPart) == model.IsGreedy(r.PathPart) {
			kind := "parameter"
			if model.IsGreedy(r.PathPart) {
				kind = "greedy"
			}
			return parent, conflict("resource %s already has the %s child %s (resource %s); a resource has at most one", parent.Path, kind, x.PathPart, x.ID)
		}
	}
	return parent, nil
}

// checkParamNames refuses a path that names one path parameter twice (/{id}/items/{id}): the method
// request would have two values for method.request.path.id.
func checkParamNames(path string) error {
	seen := map[string]bool{}
	for part := range strings.SplitSeq(path, "/") {
		name := model.ParamName(part)
		if name == "" {
			continue
		}
		if seen[name] {
			return conflict("path %s names the path parameter %q twice; rename one of them", path, name)
		}
		seen[name] = true
	}
	return nil
}

// CreateResource adds a child resource under in.ParentID.
func (s *Service) CreateResource(ctx context.Context, apiID string, in model.Resource) (model.Resource, error) {
	in.RestAPIID = apiID
	if err := in.Validate(); err != nil {
		return model.Resource{}, invalid(err)
	}
	in.ID = newID()
	err := s.update(ctx, func(t *txn) error {
		if _, err := getAPI(t, apiID); err != nil {
			return err
		}
		parent, err := placeResource(t, in)
		if err != nil {
			return err
		}
		in.Path = joinPath(parent.Path, in.PathPart)
		if err := checkParamNames(in.Path); err != nil {
			return err
		}
		if in.Version, err = putJSON(t, store.KindResource, apiID, in.ID, in, store.ExpectAbsent, "resource "+in.ID); err != nil {
			return err
		}
		return t.contentChanged(apiID)
	})
	return in, err
}

// GetResource returns one resource.
func (s *Service) GetResource(ctx context.Context, apiID, id string) (model.Resource, error) {
	var r model.Resource
	err := s.view(ctx, func(tx store.Tx) (err error) {
		if _, err := getAPI(tx, apiID); err != nil {
			return err
		}
		r, err = getResource(tx, apiID, id)
		return err
	})
	return r, err
}

// ListResources returns an API's resources ordered by path.
func (s *Service) ListResources(ctx context.Context, apiID string) ([]model.Resource, error) {
	var out []model.Resource
	err := s.view(ctx, func(tx store.Tx) (err error) {
		if _, err := getAPI(tx, apiID); err != nil {
			return err
		}
		out, err = listResources(tx, apiID)
		return err
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, err
}

// UpdateResource moves or renames a resource; the paths of its whole subtree follow.
func (s *Service) UpdateResource(ctx context.Context, apiID, id string, in model.Resource, pre Precondition) (model.Resource, error) {
	var out model.Resource
	err := s.update(ctx, func(t *txn) error {
		cur, err := getResource(t, apiID, id)
		if err != nil {
			return err
		}
		if cur.ParentID == "" {
			return badRequest("id", "the root resource %s cannot be changed", id)
		}
		in.ID, in.RestAPIID = id, apiID
		if err := in.Validate(); err != nil {
			return invalid(err)
		}
		// The new parent must not be the resource itself or one of its descendants.
		subtree, err := subtree(t, apiID, id)
		if err != nil {
			return err
		}
		if in.ParentID == id {
			return badRequest("parent_id", "a resource cannot be its own parent")
		}
		for _, d := range subtree {
			if d.ID == in.ParentID {
				return badRequest("parent_id", "parent_id %q is a descendant of resource %s", in.ParentID, id)
			}
		}
		parent, err := placeResource(t, in)
		if err != nil {
			return err
		}
		if model.IsGreedy(in.PathPart) && len(subtree) > 0 {
			return badRequest("path_part", "resource %s has children, so it cannot become the greedy %s", cur.Path, in.PathPart)
		}
		cur.ParentID, cur.PathPart = in.ParentID, in.PathPart
		cur.Path = joinPath(parent.Path, in.PathPart)
		if cur.Version, err = putJSON(t, store.KindResource, apiID, id, cur, pre.expect(), "resource "+id); err != nil {
			return err
		}
		out = cur
		// Re-derive the descendants' paths, parents first.
		paths := map[string]string{id: cur.Path}
		if err := checkParamNames(cur.Path); err != nil {
			return err
		}
		for _, d := range subtree {
			d.Path = joinPath(paths[d.ParentID], d.PathPart)
			paths[d.ID] = d.Path
			if err := checkParamNames(d.Path); err != nil {
				return err
			}
			if _, err := putJSON(t, store.KindResource, apiID, d.ID, d, store.AnyVersion, "resource "+d.ID); err != nil {
				return err
			}
		}
		return t.contentChanged(apiID)
	})
	return out, err
}

// DeleteResource deletes a resource, its descendants and all their methods.
func (s *Service) DeleteResource(ctx context.Context, apiID, id string, pre Precondition) error {
	return s.update(ctx, func(t *txn) error {
		cur, err := getResource(t, apiID, id)
		if err != nil {
			return err
		}
		if cur.ParentID == "" {
			return badRequest("id", "the root resource %s cannot be deleted; delete the rest api instead", id)
		}
		descendants, err := subtree(t, apiID, id)
		if err != nil {
			return err
		}
		doomed := map[string]bool{id: true}
		for _, d := range descendants {
			doomed[d.ID] = true
		}
		if err := deleteRecord(t, store.KindResource, apiID, id, pre.expect(), "resource "+id); err != nil {
			return err
		}
		for rid := range doomed {
			if rid != id {
				if err := deleteRecord(t, store.KindResource, apiID, rid, store.AnyVersion, "resource "+rid); err != nil {
					return err
				}
			}
			for _, k := range []store.Kind{store.KindMethod, store.KindIntegration, store.KindMethodResponse, store.KindIntegrationResponse} {
				if _, err := t.DeletePrefix(k, apiID, rid+"/"); err != nil {
					return err
				}
			}
		}
		return t.contentChanged(apiID)
	})
}
