package control

import (
	"errors"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// txn's writes. Every write of the control plane goes through a txn, so the derived records it keeps
// (the resource index, resindex.go; the API's current snapshot parts, snapparts.go) are updated here,
// beside the write, in the same transaction and savepoint, rather than by each operation.

// Put implements store.Tx.
func (t *txn) Put(kind store.Kind, scope, key string, data []byte, expect int64) (int64, error) {
	if kind != store.KindResource {
		ver, err := t.Tx.Put(kind, scope, key, data, expect)
		if err == nil {
			t.touch(kind, scope, key)
		}
		return ver, err
	}
	old, err := t.oldResource(scope, key)
	if err != nil {
		return 0, err
	}
	ver, err := t.Tx.Put(kind, scope, key, data, expect)
	if err != nil {
		return ver, err
	}
	t.touch(kind, scope, key)
	cur, err := decodeResource(data)
	if err != nil {
		return 0, err
	}
	return ver, indexResourceWrite(t, scope, old, cur)
}

// Delete implements store.Tx.
func (t *txn) Delete(kind store.Kind, scope, key string, expect int64) error {
	if kind != store.KindResource {
		err := t.Tx.Delete(kind, scope, key, expect)
		if err == nil {
			t.touch(kind, scope, key)
		}
		return err
	}
	old, err := t.oldResource(scope, key)
	if err != nil {
		return err
	}
	if err := t.Tx.Delete(kind, scope, key, expect); err != nil {
		return err
	}
	t.touch(kind, scope, key)
	return indexResourceWrite(t, scope, old, nil)
}

// DeletePrefix implements store.Tx.
func (t *txn) DeletePrefix(kind store.Kind, scope, prefix string) (int, error) {
	if kind == store.KindResource {
		// Not a write the control plane makes; should it, the index is rebuilt when next needed.
		if err := t.Tx.Delete(store.KindResourceChild, scope, resourceIndexBuilt, store.AnyVersion); err != nil && !errors.Is(err, store.ErrNotFound) {
			return 0, err
		}
		delete(t.indexed, scope)
	}
	n, err := t.Tx.DeletePrefix(kind, scope, prefix)
	if err == nil && n > 0 {
		t.touchPrefix(kind, scope, prefix)
	}
	return n, err
}

// DeleteScope implements store.Tx. The scope's derived records go with it.
func (t *txn) DeleteScope(scope string) error {
	err := t.Tx.DeleteScope(scope)
	if err == nil {
		delete(t.indexed, scope)
		t.touchScope(scope)
	}
	return err
}

// oldResource returns the stored resource at key, or nil.
func (t *txn) oldResource(apiID, key string) (*model.Resource, error) {
	rec, err := t.Tx.Get(store.KindResource, apiID, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeResource(rec.Data)
}
