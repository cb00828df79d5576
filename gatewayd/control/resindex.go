package control

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// The resource index. Placing a resource (its parent exists, no sibling has its path part, at most
// one sibling parameter) and walking a subtree once read every resource of the API, so that a write
// cost grew with the API (issue 17). The index keeps, per API, one record per child: key
// "PARENT_ID/PATH_PART", holding the child's id. A parent's children are then one prefix range, its
// parameter children the range "PARENT_ID/{".
//
// txn keeps the index in step with every Put and Delete of a resource (txhooks.go), so no write path
// can forget it. An API written by a gatewayd that had no index gets it built in full the first time a
// write needs it (a marker record says it is complete), in that write's transaction.

// resourceIndexBuilt is the key of the marker; no child key starts with "!".
const resourceIndexBuilt = "!built"

func childKey(parentID, pathPart string) string { return parentID + "/" + pathPart }

// indexBuilt reports whether apiID's index is complete.
func indexBuilt(tx store.Tx, apiID string) (bool, error) {
	_, err := tx.Get(store.KindResourceChild, apiID, resourceIndexBuilt)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// ensureResourceIndex builds apiID's index when it is missing.
func ensureResourceIndex(t *txn, apiID string) error {
	if t.indexed[apiID] {
		return nil
	}
	ok, err := indexBuilt(t, apiID)
	if err != nil {
		return err
	}
	if !ok {
		all, err := listResources(t, apiID)
		if err != nil {
			return err
		}
		if _, err := t.Tx.DeletePrefix(store.KindResourceChild, apiID, ""); err != nil {
			return err
		}
		for _, r := range all {
			if r.ParentID == "" {
				continue
			}
			if _, err := t.Tx.Put(store.KindResourceChild, apiID, childKey(r.ParentID, r.PathPart), []byte(r.ID), store.AnyVersion); err != nil {
				return err
			}
		}
		if _, err := t.Tx.Put(store.KindResourceChild, apiID, resourceIndexBuilt, nil, store.AnyVersion); err != nil {
			return err
		}
	}
	t.setIndexed(apiID)
	return nil
}

// indexResourceWrite updates the index for a resource going from old (nil when new) to cur (nil
// when deleted), when the API's index is built.
func indexResourceWrite(t *txn, apiID string, old, cur *model.Resource) error {
	if !t.indexed[apiID] {
		ok, err := indexBuilt(t, apiID)
		if err != nil || !ok {
			return err
		}
		t.setIndexed(apiID)
	}
	if old != nil && old.ParentID != "" && (cur == nil || cur.ParentID != old.ParentID || cur.PathPart != old.PathPart) {
		if err := t.Tx.Delete(store.KindResourceChild, apiID, childKey(old.ParentID, old.PathPart), store.AnyVersion); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if cur != nil && cur.ParentID != "" {
		if _, err := t.Tx.Put(store.KindResourceChild, apiID, childKey(cur.ParentID, cur.PathPart), []byte(cur.ID), store.AnyVersion); err != nil {
			return err
		}
	}
	return nil
}

func decodeResource(data []byte) (*model.Resource, error) {
	var r model.Resource
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("decoding resource: %w", err)
	}
	return &r, nil
}

// childIDs returns the ids of parentID's children whose path part starts with prefix.
func childIDs(t *txn, apiID, parentID, prefix string) ([]string, error) {
	recs, err := t.List(store.KindResourceChild, apiID, childKey(parentID, prefix))
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = string(r.Data)
	}
	return ids, nil
}

// placeResource verifies through the index that r (with ParentID and PathPart set) can sit under its
// parent: the rules of checkPlacement, reading the parent and its parameter children only.
func placeResource(t *txn, r model.Resource) (parent model.Resource, err error) {
	if err := ensureResourceIndex(t, r.RestAPIID); err != nil {
		return parent, err
	}
	parent, err = getResource(t, r.RestAPIID, r.ParentID)
	if IsNotFound(err) {
		return parent, unprocessable("parent_id", "parent_id %q is not a resource of rest api %s", r.ParentID, r.RestAPIID)
	} else if err != nil {
		return parent, err
	}
	if model.IsGreedy(parent.PathPart) {
		return parent, badRequest("parent_id", "parent_id %q is the greedy resource %s, which cannot have children", parent.ID, parent.Path)
	}
	rec, err := t.Get(store.KindResourceChild, r.RestAPIID, childKey(r.ParentID, r.PathPart))
	switch {
	case err == nil && string(rec.Data) != r.ID:
		return parent, conflict("resource %s already has a child %q (resource %s)", parent.Path, r.PathPart, string(rec.Data))
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return parent, err
	}
	if !model.IsParam(r.PathPart) {
		return parent, nil
	}
	recs, err := t.List(store.KindResourceChild, r.RestAPIID, childKey(r.ParentID, "{"))
	if err != nil {
		return parent, err
	}
	for _, x := range recs {
		part := strings.TrimPrefix(x.Key, r.ParentID+"/")
		id := string(x.Data)
		if id == r.ID || !model.IsParam(part) {
			continue
		}
		// The router cannot tell sibling parameters apart (see checkPlacement).
		if model.IsGreedy(part) == model.IsGreedy(r.PathPart) {
			kind := "parameter"
			if model.IsGreedy(r.PathPart) {
				kind = "greedy"
			}
			return parent, conflict("resource %s already has the %s child %s (resource %s); a resource has at most one", parent.Path, kind, part, id)
		}
	}
	return parent, nil
}

// subtree returns the descendants of id, parents before their children.
func subtree(t *txn, apiID, id string) ([]model.Resource, error) {
	if err := ensureResourceIndex(t, apiID); err != nil {
		return nil, err
	}
	var out []model.Resource
	queue := []string{id}
	for len(queue) > 0 {
		ids, err := childIDs(t, apiID, queue[0], "")
		if err != nil {
			return nil, err
		}
		queue = queue[1:]
		for _, cid := range ids {
			c, err := getResource(t, apiID, cid)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
			queue = append(queue, cid)
		}
	}
	return out, nil
}

func (t *txn) setIndexed(apiID string) {
	if t.indexed == nil {
		t.indexed = map[string]bool{}
	}
	t.indexed[apiID] = true
}
