// Package storetest is the conformance suite every store.Store backend passes. A backend's test calls
// Run with a function that opens an empty store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// Run runs the suite. open must return a new, empty store for each call and close it when t ends
// (t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"PutGet", testPutGet},
		{"DataIsCopied", testDataIsCopied},
		{"VersionsGrowByOne", testVersionsGrowByOne},
		{"ExpectAbsent", testExpectAbsent},
		{"VersionMismatch", testVersionMismatch},
		{"ExpectedVersionOnMissing", testExpectedVersionOnMissing},
		{"DeleteMissing", testDeleteMissing},
		{"List", testList},
		{"ListIsolation", testListIsolation},
		{"DeletePrefix", testDeletePrefix},
		{"DeleteScope", testDeleteScope},
		{"UpdateRollbackOnError", testUpdateRollbackOnError},
		{"UpdateRollbackOnPanic", testUpdateRollbackOnPanic},
		{"UpdateCanceledContext", testUpdateCanceledContext},
		{"SavepointKeepsWrites", testSavepointKeepsWrites},
		{"SavepointRollback", testSavepointRollback},
		{"SavepointRollbackVersions", testSavepointRollbackVersions},
		{"SavepointNested", testSavepointNested},
		{"SavepointPanic", testSavepointPanic},
		{"SavepointInView", testSavepointInView},
		{"ViewIsReadOnly", testViewIsReadOnly},
		{"ViewSnapshot", testViewSnapshot},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"Audit", testAudit},
		{"ConcurrentAudit", testConcurrentAudit},
		{"Ping", testPing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, open(t))
		})
	}
}

const (
	kindA = store.KindResource
	kindB = store.KindMethod
)

var errBoom = errors.New("storetest: fn failed on purpose")

// equateEmpty lets a backend return nil or an empty slice alike.
var equateEmpty = cmpopts.EquateEmpty()

func put(t *testing.T, s store.Store, kind store.Kind, scope, key, data string, expect int64) int64 {
	t.Helper()
	var v int64
	err := s.Update(context.Background(), func(tx store.Tx) error {
		var err error
		v, err = tx.Put(kind, scope, key, []byte(data), expect)
		return err
	})
	if err != nil {
		t.Fatalf("Put(%s, %q, %q, expect %d): %v", kind, scope, key, expect, err)
	}
	return v
}

// tryPut is put that returns the error instead of failing.
func tryPut(s store.Store, kind store.Kind, scope, key, data string, expect int64) (int64, error) {
	var v int64
	err := s.Update(context.Background(), func(tx store.Tx) error {
		var err error
		v, err = tx.Put(kind, scope, key, []byte(data), expect)
		return err
	})
	return v, err
}

func tryDelete(s store.Store, kind store.Kind, scope, key string, expect int64) error {
	return s.Update(context.Background(), func(tx store.Tx) error {
		return tx.Delete(kind, scope, key, expect)
	})
}

// get reads a record in a View; a missing record is returned as the zero Record.
func get(t *testing.T, s store.Store, kind store.Kind, scope, key string) store.Record {
	t.Helper()
	var r store.Record
	err := s.View(context.Background(), func(tx store.Tx) error {
		var err error
		r, err = tx.Get(kind, scope, key)
		if errors.Is(err, store.ErrNotFound) {
			r, err = store.Record{}, nil
		}
		return err
	})
	if err != nil {
		t.Fatalf("Get(%s, %q, %q): %v", kind, scope, key, err)
	}
	return r
}

func list(t *testing.T, s store.Store, kind store.Kind, scope, prefix string) []store.Record {
	t.Helper()
	var rs []store.Record
	err := s.View(context.Background(), func(tx store.Tx) error {
		var err error
		rs, err = tx.List(kind, scope, prefix)
		return err
	})
	if err != nil {
		t.Fatalf("List(%s, %q, %q): %v", kind, scope, prefix, err)
	}
	return rs
}

func rec(kind store.Kind, scope, key string, version int64, data string) store.Record {
	return store.Record{Kind: kind, Scope: scope, Key: key, Version: version, Data: []byte(data)}
}

func keys(rs []store.Record) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Key)
	}
	return out
}

func testPutGet(t *testing.T, s store.Store) {
	ctx := context.Background()
	if v := put(t, s, kindA, "api1", "r1", `{"a":1}`, store.AnyVersion); v != 1 {
		t.Errorf("first Put version = %d, want 1", v)
	}
	want := rec(kindA, "api1", "r1", 1, `{"a":1}`)
	if diff := cmp.Diff(want, get(t, s, kindA, "api1", "r1")); diff != "" {
		t.Errorf("Get in View (-want +got):\n%s", diff)
	}
	// Updates read their own writes.
	err := s.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Put(kindA, "api1", "r2", []byte("two"), store.ExpectAbsent); err != nil {
			return err
		}
		got, err := tx.Get(kindA, "api1", "r2")
		if err != nil {
			return err
		}
		if diff := cmp.Diff(rec(kindA, "api1", "r2", 1, "two"), got); diff != "" {
			t.Errorf("Get in Update after Put (-want +got):\n%s", diff)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}

	// Every byte value survives, and empty data comes back empty.
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	put(t, s, kindA, "", "bytes", string(all), store.AnyVersion)
	if got := get(t, s, kindA, "", "bytes").Data; !slices.Equal(got, all) {
		t.Errorf("binary data = %x, want %x", got, all)
	}
	put(t, s, kindA, "", "empty", "", store.AnyVersion)
	if got := get(t, s, kindA, "", "empty"); got.Version != 1 || len(got.Data) != 0 {
		t.Errorf("empty record = %+v, want version 1 and no data", got)
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		_, err := tx.Put(kindA, "", "nil", nil, store.AnyVersion)
		return err
	})
	if err != nil {
		t.Fatalf("Put with nil data: %v", err)
	}
	if got := get(t, s, kindA, "", "nil"); got.Version != 1 || len(got.Data) != 0 {
		t.Errorf("record put with nil data = %+v, want version 1 and no data", got)
	}

	// The same key under another scope or kind is another record.
	err = s.View(ctx, func(tx store.Tx) error {
		for _, c := range []struct {
			kind       store.Kind
			scope, key string
		}{
			{kindA, "api1", "missing"},
			{kindA, "api2", "r1"},
			{kindA, "", "r1"},
			{kindB, "api1", "r1"},
		} {
			_, err := tx.Get(c.kind, c.scope, c.key)
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Get(%s, %q, %q) error = %v, want ErrNotFound", c.kind, c.scope, c.key, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("View: %v", err)
	}
}

func testDataIsCopied(t *testing.T, s store.Store) {
	ctx := context.Background()
	data := []byte("original")
	err := s.Update(ctx, func(tx store.Tx) error {
		_, err := tx.Put(kindA, "", "k", data, store.AnyVersion)
		copy(data, "CHANGED!") // after Put, before commit
		return err
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	got := get(t, s, kindA, "", "k")
	if string(got.Data) != "original" {
		t.Errorf("data after the caller changed its slice = %q, want %q", got.Data, "original")
	}
	copy(got.Data, "CHANGED!")
	if got := get(t, s, kindA, "", "k"); string(got.Data) != "original" {
		t.Errorf("data after the caller changed a returned slice = %q, want %q", got.Data, "original")
	}
}

func testVersionsGrowByOne(t *testing.T, s store.Store) {
	for want := int64(1); want <= 5; want++ {
		if v := put(t, s, kindA, "api1", "k", "v"+strconv.FormatInt(want, 10), store.AnyVersion); v != want {
			t.Fatalf("Put #%d version = %d, want %d", want, v, want)
		}
	}
	if v := put(t, s, kindA, "api1", "k", "v6", 5); v != 6 {
		t.Errorf("Put expecting version 5 returned version %d, want 6", v)
	}
	if diff := cmp.Diff(rec(kindA, "api1", "k", 6, "v6"), get(t, s, kindA, "api1", "k")); diff != "" {
		t.Errorf("Get (-want +got):\n%s", diff)
	}
	// Several Puts in one transaction count one each.
	var last int64
	err := s.Update(context.Background(), func(tx store.Tx) error {
		for range 3 {
			var err error
			if last, err = tx.Put(kindA, "api1", "k", []byte("v"), store.AnyVersion); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if last != 9 {
		t.Errorf("third Put in one Update returned version %d, want 9", last)
	}
	// A record created again after a Delete is a new record.
	if err := tryDelete(s, kindA, "api1", "k", store.AnyVersion); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if v := put(t, s, kindA, "api1", "k", "again", store.ExpectAbsent); v != 1 {
		t.Errorf("Put after Delete version = %d, want 1", v)
	}
}

func testExpectAbsent(t *testing.T, s store.Store) {
	if v := put(t, s, kindA, "api1", "k", "first", store.ExpectAbsent); v != 1 {
		t.Errorf("Put ExpectAbsent on a new record version = %d, want 1", v)
	}
	_, err := tryPut(s, kindA, "api1", "k", "second", store.ExpectAbsent)
	if !errors.Is(err, store.ErrExists) {
		t.Errorf("second Put ExpectAbsent error = %v, want ErrExists", err)
	}
	if diff := cmp.Diff(rec(kindA, "api1", "k", 1, "first"), get(t, s, kindA, "api1", "k")); diff != "" {
		t.Errorf("record after the conflict (-want +got):\n%s", diff)
	}
}

func testVersionMismatch(t *testing.T, s store.Store) {
	put(t, s, kindA, "api1", "k", "one", store.AnyVersion)
	put(t, s, kindA, "api1", "k", "two", store.AnyVersion)
	for _, expect := range []int64{1, 3, 100} {
		if _, err := tryPut(s, kindA, "api1", "k", "stale", expect); !errors.Is(err, store.ErrVersionMismatch) {
			t.Errorf("Put expecting version %d of version 2: error = %v, want ErrVersionMismatch", expect, err)
		}
		if err := tryDelete(s, kindA, "api1", "k", expect); !errors.Is(err, store.ErrVersionMismatch) {
			t.Errorf("Delete expecting version %d of version 2: error = %v, want ErrVersionMismatch", expect, err)
		}
	}
	if diff := cmp.Diff(rec(kindA, "api1", "k", 2, "two"), get(t, s, kindA, "api1", "k")); diff != "" {
		t.Errorf("record after the conflicts (-want +got):\n%s", diff)
	}
	if err := tryDelete(s, kindA, "api1", "k", 2); err != nil {
		t.Fatalf("Delete expecting the stored version: %v", err)
	}
	if got := get(t, s, kindA, "api1", "k"); got.Version != 0 {
		t.Errorf("record after Delete = %+v, want none", got)
	}
}

func testExpectedVersionOnMissing(t *testing.T, s store.Store) {
	put(t, s, kindA, "api1", "other", "x", store.AnyVersion)
	if _, err := tryPut(s, kindA, "api1", "k", "data", 3); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Put expecting version 3 of a missing record: error = %v, want ErrNotFound", err)
	}
	if _, err := tryPut(s, kindA, "api2", "other", "data", 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Put expecting version 1 of a record in another scope: error = %v, want ErrNotFound", err)
	}
	if err := tryDelete(s, kindA, "api1", "k", 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delete expecting version 1 of a missing record: error = %v, want ErrNotFound", err)
	}
	want := []store.Record{rec(kindA, "api1", "other", 1, "x")}
	if diff := cmp.Diff(want, list(t, s, kindA, "api1", ""), equateEmpty); diff != "" {
		t.Errorf("records after the failed writes (-want +got):\n%s", diff)
	}
	if got := list(t, s, kindA, "api2", ""); len(got) != 0 {
		t.Errorf("scope api2 holds %v, want nothing", keys(got))
	}
}

func testDeleteMissing(t *testing.T, s store.Store) {
	if err := tryDelete(s, kindA, "api1", "k", store.AnyVersion); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delete of a missing record: error = %v, want ErrNotFound", err)
	}
	put(t, s, kindA, "api1", "k", "x", store.AnyVersion)
	if err := tryDelete(s, kindA, "api1", "k", store.AnyVersion); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := tryDelete(s, kindA, "api1", "k", store.AnyVersion); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second Delete: error = %v, want ErrNotFound", err)
	}
}

// listKeys holds the characters LIKE treats specially, multi-byte characters, and keys at the edges of
// byte ranges (0x7f/0x80, U+10FFFF) where a computed upper bound could go wrong.
var listKeys = []string{
	"a", "a%", "a%b", "a_", "a_b", "ab", "abc", "aB", "a/b", "a/b/c", "a\x7f", "a\u0080",
	"aé", "aéb", "aê", "a😀", "a😀b", "a\U0010ffff", "a\U0010ffffz",
	"b", "%", "%%", "_", "_x", "é", "éa", "😀", "\U0010ffff", "z",
}

var listPrefixes = []string{
	"", "a", "a%", "a_", "a/", "a/b", "a\x7f", "aé", "a😀", "a\U0010ffff", "%", "_", "é", "😀", "\U0010ffff",
	"abc", "abcd", "c", "aa",
}

func putAll(t *testing.T, s store.Store, kind store.Kind, scope string, ks []string, data func(key string) string) {
	t.Helper()
	err := s.Update(context.Background(), func(tx store.Tx) error {
		for _, k := range ks {
			if _, err := tx.Put(kind, scope, k, []byte(data(k)), store.ExpectAbsent); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("putting %d records: %v", len(ks), err)
	}
}

// withPrefix is the model List is checked against: keys that start with prefix, in byte order.
func withPrefix(ks []string, prefix string) []string {
	var out []string
	for _, k := range ks {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func testList(t *testing.T, s store.Store) {
	// Put in reverse order so that insertion order cannot pass for key order.
	rev := slices.Clone(listKeys)
	slices.Sort(rev)
	slices.Reverse(rev)
	putAll(t, s, kindA, "api1", rev, func(k string) string { return "data:" + k })

	var want []store.Record
	for _, k := range withPrefix(listKeys, "") {
		want = append(want, rec(kindA, "api1", k, 1, "data:"+k))
	}
	if diff := cmp.Diff(want, list(t, s, kindA, "api1", ""), equateEmpty); diff != "" {
		t.Errorf("List with no prefix (-want +got):\n%s", diff)
	}
	for _, p := range listPrefixes {
		if diff := cmp.Diff(withPrefix(listKeys, p), keys(list(t, s, kindA, "api1", p)), equateEmpty); diff != "" {
			t.Errorf("List(%q) keys (-want +got):\n%s", p, diff)
		}
	}
}

func testListIsolation(t *testing.T, s store.Store) {
	// The same keys under neighbouring scopes and kinds, told apart by their data.
	places := []struct {
		kind  store.Kind
		scope string
	}{
		{kindA, "api1"}, {kindA, "api2"}, {kindA, "api"}, {kindA, "api10"}, {kindA, ""}, {kindB, "api1"},
	}
	for _, p := range places {
		putAll(t, s, p.kind, p.scope, listKeys, func(k string) string { return fmt.Sprintf("%s|%s|%s", p.kind, p.scope, k) })
	}
	for _, p := range places {
		for _, prefix := range listPrefixes {
			var want []store.Record
			for _, k := range withPrefix(listKeys, prefix) {
				want = append(want, rec(p.kind, p.scope, k, 1, fmt.Sprintf("%s|%s|%s", p.kind, p.scope, k)))
			}
			if diff := cmp.Diff(want, list(t, s, p.kind, p.scope, prefix), equateEmpty); diff != "" {
				t.Errorf("List(%s, %q, %q) (-want +got):\n%s", p.kind, p.scope, prefix, diff)
			}
		}
	}
	if got := list(t, s, store.KindStage, "api1", ""); len(got) != 0 {
		t.Errorf("List of an unused kind = %v, want nothing", keys(got))
	}
}

func testDeletePrefix(t *testing.T, s store.Store) {
	data := func(k string) string { return k }
	for _, scope := range []string{"api1", "api2"} {
		putAll(t, s, kindA, scope, listKeys, data)
	}
	putAll(t, s, kindB, "api1", listKeys, data)

	remaining := slices.Clone(listKeys)
	for _, prefix := range []string{"a%", "a_", "aé", "a😀", "%", "nothing", "a"} {
		want := len(withPrefix(remaining, prefix))
		var n int
		err := s.Update(context.Background(), func(tx store.Tx) error {
			var err error
			n, err = tx.DeletePrefix(kindA, "api1", prefix)
			return err
		})
		if err != nil {
			t.Fatalf("DeletePrefix(%q): %v", prefix, err)
		}
		if n != want {
			t.Errorf("DeletePrefix(%q) = %d, want %d", prefix, n, want)
		}
		remaining = slices.DeleteFunc(remaining, func(k string) bool { return strings.HasPrefix(k, prefix) })
		if diff := cmp.Diff(withPrefix(remaining, ""), keys(list(t, s, kindA, "api1", "")), equateEmpty); diff != "" {
			t.Errorf("keys left after DeletePrefix(%q) (-want +got):\n%s", prefix, diff)
		}
	}
	// An empty prefix deletes the whole kind in the scope.
	var n int
	err := s.Update(context.Background(), func(tx store.Tx) error {
		var err error
		n, err = tx.DeletePrefix(kindA, "api1", "")
		return err
	})
	if err != nil {
		t.Fatalf("DeletePrefix(\"\"): %v", err)
	}
	if n != len(remaining) {
		t.Errorf("DeletePrefix(\"\") = %d, want %d", n, len(remaining))
	}
	if got := list(t, s, kindA, "api1", ""); len(got) != 0 {
		t.Errorf("keys left after DeletePrefix(\"\") = %q, want none", keys(got))
	}
	// Other scopes and kinds are untouched.
	all := withPrefix(listKeys, "")
	if diff := cmp.Diff(all, keys(list(t, s, kindA, "api2", ""))); diff != "" {
		t.Errorf("other scope after DeletePrefix (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(all, keys(list(t, s, kindB, "api1", ""))); diff != "" {
		t.Errorf("other kind after DeletePrefix (-want +got):\n%s", diff)
	}
}

func testDeleteScope(t *testing.T, s store.Store) {
	kinds := []store.Kind{store.KindRestAPI, store.KindResource, store.KindMethod, store.KindDeployment, store.KindStage}
	scopes := []string{"api1", "api2", "api10", ""}
	ks := []string{"k1", "k2", "k3"}
	for _, kind := range kinds {
		for _, scope := range scopes {
			putAll(t, s, kind, scope, ks, func(k string) string { return scope + k })
		}
	}
	ctx := context.Background()
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.DeleteScope("api1") }); err != nil {
		t.Fatalf("DeleteScope: %v", err)
	}
	for _, kind := range kinds {
		for _, scope := range scopes {
			want := ks
			if scope == "api1" {
				want = nil
			}
			if diff := cmp.Diff(want, keys(list(t, s, kind, scope, "")), equateEmpty); diff != "" {
				t.Errorf("List(%s, %q) after DeleteScope(api1) (-want +got):\n%s", kind, scope, diff)
			}
		}
	}
	// Deleting an empty scope is not an error.
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.DeleteScope("api1") }); err != nil {
		t.Errorf("DeleteScope of an empty scope: %v", err)
	}
}

func testUpdateRollbackOnError(t *testing.T, s store.Store) {
	put(t, s, kindA, "api1", "existing", "before", store.AnyVersion)
	err := s.Update(context.Background(), func(tx store.Tx) error {
		if _, err := tx.Put(kindA, "api1", "new", []byte("x"), store.AnyVersion); err != nil {
			return err
		}
		if _, err := tx.Put(kindA, "api1", "existing", []byte("after"), store.AnyVersion); err != nil {
			return err
		}
		if err := tx.DeleteScope("api1"); err != nil {
			return err
		}
		return fmt.Errorf("wrapped: %w", errBoom)
	})
	if !errors.Is(err, errBoom) {
		t.Errorf("Update error = %v, want fn's error", err)
	}
	want := []store.Record{rec(kindA, "api1", "existing", 1, "before")}
	if diff := cmp.Diff(want, list(t, s, kindA, "api1", ""), equateEmpty); diff != "" {
		t.Errorf("records after the rolled back Update (-want +got):\n%s", diff)
	}
}

func testUpdateRollbackOnPanic(t *testing.T, s store.Store) {
	put(t, s, kindA, "api1", "existing", "before", store.AnyVersion)
	panicked := func() (v any) {
		defer func() { v = recover() }()
		_ = s.Update(context.Background(), func(tx store.Tx) error {
			if _, err := tx.Put(kindA, "api1", "new", []byte("x"), store.AnyVersion); err != nil {
				return err
			}
			if _, err := tx.Put(kindA, "api1", "existing", []byte("after"), store.AnyVersion); err != nil {
				return err
			}
			panic(errBoom)
		})
		return nil
	}()
	if panicked != errBoom {
		t.Errorf("Update panicked with %v, want fn's panic value %v", panicked, errBoom)
	}
	want := []store.Record{rec(kindA, "api1", "existing", 1, "before")}
	if diff := cmp.Diff(want, list(t, s, kindA, "api1", ""), equateEmpty); diff != "" {
		t.Errorf("records after the panicking Update (-want +got):\n%s", diff)
	}
	// The store still takes writes: a transaction left open by the panic would block them.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var v int64
	err := s.Update(ctx, func(tx store.Tx) error {
		var err error
		v, err = tx.Put(kindA, "api1", "existing", []byte("later"), 1)
		return err
	})
	if err != nil || v != 2 {
		t.Errorf("Put after the panic = version %d, %v; want version 2", v, err)
	}
}

func testUpdateCanceledContext(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Update(ctx, func(tx store.Tx) error {
		_, err := tx.Put(kindA, "api1", "k", []byte("x"), store.AnyVersion)
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update with a canceled context: error = %v, want context.Canceled", err)
	}
	if got := get(t, s, kindA, "api1", "k"); got.Version != 0 {
		t.Errorf("record written under a canceled context: %+v", got)
	}
}

func testViewIsReadOnly(t *testing.T, s store.Store) {
	put(t, s, kindA, "api1", "k", "x", store.AnyVersion)
	writes := []struct {
		name string
		fn   func(tx store.Tx) error
	}{
		{"Put", func(tx store.Tx) error {
			_, err := tx.Put(kindA, "api1", "new", []byte("y"), store.AnyVersion)
			return err
		}},
		{"Delete", func(tx store.Tx) error { return tx.Delete(kindA, "api1", "k", store.AnyVersion) }},
		{"DeletePrefix", func(tx store.Tx) error {
			_, err := tx.DeletePrefix(kindA, "api1", "")
			return err
		}},
		{"DeleteScope", func(tx store.Tx) error { return tx.DeleteScope("api1") }},
	}
	for _, w := range writes {
		var werr error
		err := s.View(context.Background(), func(tx store.Tx) error {
			werr = w.fn(tx)
			return nil
		})
		if err != nil {
			t.Errorf("View around %s: %v", w.name, err)
		}
		if werr == nil {
			t.Errorf("%s in a View succeeded, want an error", w.name)
		}
	}
	want := []store.Record{rec(kindA, "api1", "k", 1, "x")}
	if diff := cmp.Diff(want, list(t, s, kindA, "api1", ""), equateEmpty); diff != "" {
		t.Errorf("records after writes in a View (-want +got):\n%s", diff)
	}
}

// testViewSnapshot changes two records while a View is between its reads. A backend may let the
// writer finish meanwhile or hold it until the View ends; either way the View sees the old state of
// both.
func testViewSnapshot(t *testing.T, s store.Store) {
	put(t, s, kindA, "api1", "a", "a1", store.AnyVersion)
	put(t, s, kindA, "api1", "b", "b1", store.AnyVersion)
	ctx := context.Background()
	written := make(chan error, 1)
	err := s.View(ctx, func(tx store.Tx) error {
		a, err := tx.Get(kindA, "api1", "a")
		if err != nil {
			return err
		}
		go func() {
			written <- s.Update(ctx, func(tx store.Tx) error {
				if _, err := tx.Put(kindA, "api1", "a", []byte("a2"), store.AnyVersion); err != nil {
					return err
				}
				if _, err := tx.Put(kindA, "api1", "b", []byte("b2"), store.AnyVersion); err != nil {
					return err
				}
				_, err := tx.Put(kindA, "api1", "c", []byte("c1"), store.AnyVersion)
				return err
			})
		}()
		select {
		case err := <-written:
			written <- err // for the check after the View
		case <-time.After(500 * time.Millisecond): // the backend holds writers while a View runs
		}
		b, err := tx.Get(kindA, "api1", "b")
		if err != nil {
			return err
		}
		a2, err := tx.Get(kindA, "api1", "a")
		if err != nil {
			return err
		}
		rs, err := tx.List(kindA, "api1", "")
		if err != nil {
			return err
		}
		if diff := cmp.Diff(rec(kindA, "api1", "a", 1, "a1"), a); diff != "" {
			t.Errorf("first read of a (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(rec(kindA, "api1", "b", 1, "b1"), b); diff != "" {
			t.Errorf("read of b after a concurrent Update (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(rec(kindA, "api1", "a", 1, "a1"), a2); diff != "" {
			t.Errorf("second read of a after a concurrent Update (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"a", "b"}, keys(rs)); diff != "" {
			t.Errorf("List after a concurrent Update (-want +got):\n%s", diff)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("View: %v", err)
	}
	if err := <-written; err != nil {
		t.Fatalf("concurrent Update: %v", err)
	}
	want := []store.Record{rec(kindA, "api1", "a", 2, "a2"), rec(kindA, "api1", "b", 2, "b2"), rec(kindA, "api1", "c", 1, "c1")}
	if diff := cmp.Diff(want, list(t, s, kindA, "api1", "")); diff != "" {
		t.Errorf("records after the Update (-want +got):\n%s", diff)
	}
}

func testConcurrentUpdates(t *testing.T, s store.Store) {
	const workers, increments = 16, 50
	ctx := context.Background()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range increments {
				err := s.Update(ctx, func(tx store.Tx) error {
					n := 0
					r, err := tx.Get(kindA, "", "counter")
					switch {
					case errors.Is(err, store.ErrNotFound):
					case err != nil:
						return err
					default:
						if n, err = strconv.Atoi(string(r.Data)); err != nil {
							return err
						}
					}
					// AnyVersion: only the transaction's isolation protects this read-modify-write.
					_, err = tx.Put(kindA, "", "counter", []byte(strconv.Itoa(n+1)), store.AnyVersion)
					return err
				})
				if err != nil {
					t.Errorf("increment: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	const total = workers * increments
	if diff := cmp.Diff(rec(kindA, "", "counter", total, strconv.Itoa(total)), get(t, s, kindA, "", "counter")); diff != "" {
		t.Errorf("counter after %d increments (-want +got):\n%s", total, diff)
	}
}

func auditEntries() []model.AuditEntry {
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	base := time.Date(2024, 3, 1, 12, 0, 0, 123456789, zone)
	var es []model.AuditEntry
	for i := range 5 {
		es = append(es, model.AuditEntry{
			Time:     base.Add(time.Duration(i) * time.Minute),
			Actor:    fmt.Sprintf("user%d", i),
			Remote:   fmt.Sprintf("192.0.2.%d:5000", i),
			Method:   []string{"POST", "PUT", "PATCH", "DELETE", "POST"}[i],
			Path:     fmt.Sprintf("/restapis/api%d", i),
			Status:   200 + i,
			Result:   []string{"ok", "ok", "conflict", "not found", "ok"}[i],
			ObjectID: fmt.Sprintf("obj-%d", i),
		})
	}
	return es
}

func testAudit(t *testing.T, s store.Store) {
	ctx := context.Background()
	if got, err := s.ListAudit(ctx, 0, 10); err != nil || len(got) != 0 {
		t.Fatalf("ListAudit of an empty store = %v, %v; want nothing", got, err)
	}
	var stored []model.AuditEntry
	for i, e := range auditEntries() {
		got, err := s.AppendAudit(ctx, e)
		if err != nil {
			t.Fatalf("AppendAudit #%d: %v", i, err)
		}
		if got.Seq <= 0 || (i > 0 && got.Seq <= stored[i-1].Seq) {
			t.Errorf("AppendAudit #%d seq = %d, want positive and above the previous one", i, got.Seq)
		}
		e.Seq = got.Seq
		// cmp compares times with Time.Equal: the instant must survive, not the zone.
		if diff := cmp.Diff(e, got); diff != "" {
			t.Errorf("AppendAudit #%d returned (-want +got):\n%s", i, diff)
		}
		stored = append(stored, got)
	}
	for _, c := range []struct {
		after int64
		limit int
		want  []model.AuditEntry
	}{
		{0, 100, stored},
		{0, 5, stored},
		{0, 2, stored[:2]},
		{stored[1].Seq, 2, stored[2:4]},
		{stored[1].Seq, 100, stored[2:]},
		{stored[3].Seq, 1, stored[4:]},
		{stored[4].Seq, 100, nil},
		{stored[4].Seq + 1000, 100, nil},
		{-1, 1, stored[:1]},
		{0, 0, nil},
	} {
		got, err := s.ListAudit(ctx, c.after, c.limit)
		if err != nil {
			t.Fatalf("ListAudit(%d, %d): %v", c.after, c.limit, err)
		}
		if diff := cmp.Diff(c.want, got, equateEmpty); diff != "" {
			t.Errorf("ListAudit(%d, %d) (-want +got):\n%s", c.after, c.limit, diff)
		}
	}
}

func testConcurrentAudit(t *testing.T, s store.Store) {
	const workers, each = 8, 20
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if _, err := s.AppendAudit(ctx, model.AuditEntry{Actor: strconv.Itoa(w), Path: strconv.Itoa(i)}); err != nil {
					t.Errorf("AppendAudit: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	got, err := s.ListAudit(ctx, 0, 1000)
	if err != nil {
		t.Fatalf("ListAudit: %v", err)
	}
	if len(got) != workers*each {
		t.Fatalf("ListAudit returned %d entries, want %d", len(got), workers*each)
	}
	seen := map[string]bool{}
	for i, e := range got {
		if i > 0 && e.Seq <= got[i-1].Seq {
			t.Errorf("entry %d seq %d follows seq %d, want ascending", i, e.Seq, got[i-1].Seq)
		}
		seen[e.Actor+"/"+e.Path] = true
	}
	if len(seen) != workers*each {
		t.Errorf("ListAudit returned %d distinct entries, want %d", len(seen), workers*each)
	}
}

func testPing(t *testing.T, s store.Store) {
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// update runs fn in an Update and fails the test on its error.
func update(t *testing.T, s store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// txPut is a Put inside a transaction that reports its error to the test.
func txPut(t *testing.T, tx store.Tx, kind store.Kind, scope, key, data string, expect int64) int64 {
	t.Helper()
	v, err := tx.Put(kind, scope, key, []byte(data), expect)
	if err != nil {
		t.Errorf("Put(%s, %q, %q, expect %d): %v", kind, scope, key, expect, err)
	}
	return v
}

func testSavepointKeepsWrites(t *testing.T, s store.Store) {
	put(t, s, kindA, "api1", "old", "x", store.AnyVersion)
	update(t, s, func(tx store.Tx) error {
		txPut(t, tx, kindA, "api1", "before", "b", store.ExpectAbsent)
		err := tx.Savepoint(func(tx store.Tx) error {
			txPut(t, tx, kindA, "api1", "inside", "i", store.ExpectAbsent)
			if err := tx.Delete(kindA, "api1", "old", store.AnyVersion); err != nil {
				return err
			}
			// The step reads the transaction's writes and its own.
			rs, err := tx.List(kindA, "api1", "")
			if err != nil {
				return err
			}
			if diff := cmp.Diff([]string{"before", "inside"}, keys(rs)); diff != "" {
				t.Errorf("List inside the savepoint (-want +got):\n%s", diff)
			}
			return nil
		})
		if err != nil {
			t.Errorf("Savepoint: %v", err)
		}
		txPut(t, tx, kindA, "api1", "after", "a", store.ExpectAbsent)
		return nil
	})
	want := []store.Record{rec(kindA, "api1", "after", 1, "a"), rec(kindA, "api1", "before", 1, "b"), rec(kindA, "api1", "inside", 1, "i")}
	if diff := cmp.Diff(want, list(t, s, kindA, "api1", "")); diff != "" {
		t.Errorf("records after the Update (-want +got):\n%s", diff)
	}
}

// testSavepointRollback undoes every kind of write of a failed step, while the writes before and
// after it in the same transaction commit.
func testSavepointRollback(t *testing.T, s store.Store) {
	putAll(t, s, kindA, "api1", []string{"p/1", "p/2", "q"}, func(k string) string { return "v:" + k })
	putAll(t, s, kindB, "api2", []string{"m"}, func(k string) string { return "v:" + k })
	update(t, s, func(tx store.Tx) error {
		txPut(t, tx, kindA, "api1", "before", "b", store.ExpectAbsent)
		err := tx.Savepoint(func(tx store.Tx) error {
			txPut(t, tx, kindA, "api1", "new", "n", store.ExpectAbsent)
			txPut(t, tx, kindA, "api1", "q", "changed", 1)
			txPut(t, tx, kindA, "api1", "before", "changed", 1)
			if n, err := tx.DeletePrefix(kindA, "api1", "p/"); err != nil || n != 2 {
				t.Errorf("DeletePrefix in the savepoint = %d, %v; want 2", n, err)
			}
			if err := tx.DeleteScope("api2"); err != nil {
				t.Errorf("DeleteScope in the savepoint: %v", err)
			}
			if err := tx.Delete(kindA, "api1", "q", store.AnyVersion); err != nil {
				t.Errorf("Delete in the savepoint: %v", err)
			}
			return fmt.Errorf("wrapped: %w", errBoom)
		})
		if !errors.Is(err, errBoom) || errors.Is(err, store.ErrTxAborted) {
			t.Errorf("Savepoint error = %v, want fn's error", err)
		}
		// The transaction goes on from the state before the step.
		rs, err := tx.List(kindA, "api1", "")
		if err != nil {
			return err
		}
		if diff := cmp.Diff([]string{"before", "p/1", "p/2", "q"}, keys(rs)); diff != "" {
			t.Errorf("List after the rolled back savepoint (-want +got):\n%s", diff)
		}
		if r, err := tx.Get(kindA, "api1", "before"); err != nil || string(r.Data) != "b" || r.Version != 1 {
			t.Errorf("Get(before) after the rolled back savepoint = %+v, %v; want version 1 with %q", r, err, "b")
		}
		if _, err := tx.Get(kindB, "api2", "m"); err != nil {
			t.Errorf("Get of a record of a scope deleted in the rolled back savepoint: %v", err)
		}
		txPut(t, tx, kindA, "api1", "after", "a", store.ExpectAbsent)
		return nil
	})
	want := []store.Record{
		rec(kindA, "api1", "after", 1, "a"), rec(kindA, "api1", "before", 1, "b"),
		rec(kindA, "api1", "p/1", 1, "v:p/1"), rec(kindA, "api1", "p/2", 1, "v:p/2"), rec(kindA, "api1", "q", 1, "v:q"),
	}
	if diff := cmp.Diff(want, list(t, s, kindA, "api1", "")); diff != "" {
		t.Errorf("records after the Update (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]store.Record{rec(kindB, "api2", "m", 1, "v:m")}, list(t, s, kindB, "api2", "")); diff != "" {
		t.Errorf("records of the scope deleted in the rolled back savepoint (-want +got):\n%s", diff)
	}
}

// testSavepointRollbackVersions: versions taken inside a failed step are given back, so that the
// next write and conditional writes see the versions of before the step.
func testSavepointRollbackVersions(t *testing.T, s store.Store) {
	put(t, s, kindA, "api1", "k", "v1", store.AnyVersion)
	put(t, s, kindA, "api1", "k", "v2", store.AnyVersion)
	update(t, s, func(tx store.Tx) error {
		err := tx.Savepoint(func(tx store.Tx) error {
			for i := range 3 {
				if v := txPut(t, tx, kindA, "api1", "k", "inside", store.AnyVersion); v != int64(3+i) {
					t.Errorf("Put #%d in the savepoint version = %d, want %d", i, v, 3+i)
				}
			}
			// A record deleted and created again inside the step starts over at 1...
			if err := tx.Delete(kindA, "api1", "k", store.AnyVersion); err != nil {
				return err
			}
			txPut(t, tx, kindA, "api1", "k", "again", store.ExpectAbsent)
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Errorf("Savepoint error = %v, want fn's error", err)
		}
		// ...and after the rollback the record is at version 2 again, for conditional writes too.
		if _, err := tx.Put(kindA, "api1", "k", []byte("stale"), 5); !errors.Is(err, store.ErrVersionMismatch) {
			t.Errorf("Put expecting a version taken in the rolled back savepoint: error = %v, want ErrVersionMismatch", err)
		}
		if v := txPut(t, tx, kindA, "api1", "k", "v3", 2); v != 3 {
			t.Errorf("Put expecting version 2 after the rollback returned version %d, want 3", v)
		}
		return nil
	})
	if diff := cmp.Diff(rec(kindA, "api1", "k", 3, "v3"), get(t, s, kindA, "api1", "k")); diff != "" {
		t.Errorf("record after the Update (-want +got):\n%s", diff)
	}
}

func testSavepointNested(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error {
		err := tx.Savepoint(func(tx store.Tx) error {
			txPut(t, tx, kindA, "api1", "outer", "o", store.ExpectAbsent)
			// A failed inner step is undone alone.
			err := tx.Savepoint(func(tx store.Tx) error {
				txPut(t, tx, kindA, "api1", "inner-failed", "x", store.ExpectAbsent)
				txPut(t, tx, kindA, "api1", "outer", "changed", 1)
				return errBoom
			})
			if !errors.Is(err, errBoom) {
				t.Errorf("inner Savepoint error = %v, want fn's error", err)
			}
			// A kept inner step, with a failed step inside it, stays with its outer step.
			return tx.Savepoint(func(tx store.Tx) error {
				txPut(t, tx, kindA, "api1", "inner-kept", "k", store.ExpectAbsent)
				err := tx.Savepoint(func(tx store.Tx) error {
					txPut(t, tx, kindA, "api1", "innermost-failed", "x", store.ExpectAbsent)
					return errBoom
				})
				if !errors.Is(err, errBoom) {
					t.Errorf("innermost Savepoint error = %v, want fn's error", err)
				}
				return nil
			})
		})
		if err != nil {
			t.Errorf("outer Savepoint: %v", err)
		}
		// A failed outer step undoes the inner steps that succeeded.
		err = tx.Savepoint(func(tx store.Tx) error {
			txPut(t, tx, kindA, "api1", "outer-failed", "x", store.ExpectAbsent)
			if err := tx.Savepoint(func(tx store.Tx) error {
				txPut(t, tx, kindA, "api1", "inner-of-failed", "x", store.ExpectAbsent)
				_, err := tx.DeletePrefix(kindA, "api1", "inner-kept")
				return err
			}); err != nil {
				t.Errorf("inner Savepoint of the failing one: %v", err)
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Errorf("failing outer Savepoint error = %v, want fn's error", err)
		}
		return nil
	})
	want := []store.Record{rec(kindA, "api1", "inner-kept", 1, "k"), rec(kindA, "api1", "outer", 1, "o")}
	if diff := cmp.Diff(want, list(t, s, kindA, "api1", "")); diff != "" {
		t.Errorf("records after the Update (-want +got):\n%s", diff)
	}

	// Steps of a transaction that fails are not committed either.
	err := s.Update(context.Background(), func(tx store.Tx) error {
		if err := tx.Savepoint(func(tx store.Tx) error {
			_, err := tx.Put(kindA, "api1", "kept-step", []byte("x"), store.ExpectAbsent)
			return err
		}); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Update error = %v, want fn's error", err)
	}
	if got := get(t, s, kindA, "api1", "kept-step"); got.Version != 0 {
		t.Errorf("a kept step of a failed Update was committed: %+v", got)
	}
}

func testSavepointPanic(t *testing.T, s store.Store) {
	put(t, s, kindA, "api1", "existing", "before", store.AnyVersion)
	panicked := func() (v any) {
		defer func() { v = recover() }()
		_ = s.Update(context.Background(), func(tx store.Tx) error {
			return tx.Savepoint(func(tx store.Tx) error {
				if _, err := tx.Put(kindA, "api1", "existing", []byte("after"), store.AnyVersion); err != nil {
					return err
				}
				panic(errBoom)
			})
		})
		return nil
	}()
	if panicked != errBoom {
		t.Errorf("Update panicked with %v, want fn's panic value %v", panicked, errBoom)
	}
	if diff := cmp.Diff(rec(kindA, "api1", "existing", 1, "before"), get(t, s, kindA, "api1", "existing")); diff != "" {
		t.Errorf("record after the panicking savepoint (-want +got):\n%s", diff)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.Update(ctx, func(tx store.Tx) error {
		return tx.Savepoint(func(tx store.Tx) error {
			_, err := tx.Put(kindA, "api1", "existing", []byte("later"), 1)
			return err
		})
	})
	if err != nil {
		t.Errorf("Update after the panic: %v", err)
	}
}

func testSavepointInView(t *testing.T, s store.Store) {
	put(t, s, kindA, "api1", "k", "x", store.AnyVersion)
	var got store.Record
	err := s.View(context.Background(), func(tx store.Tx) error {
		if err := tx.Savepoint(func(tx store.Tx) error { return errBoom }); !errors.Is(err, errBoom) {
			t.Errorf("failing Savepoint in a View: error = %v, want fn's error", err)
		}
		return tx.Savepoint(func(tx store.Tx) (err error) {
			got, err = tx.Get(kindA, "api1", "k")
			return err
		})
	})
	if err != nil {
		t.Fatalf("View: %v", err)
	}
	if diff := cmp.Diff(rec(kindA, "api1", "k", 1, "x"), got); diff != "" {
		t.Errorf("Get in a Savepoint of a View (-want +got):\n%s", diff)
	}
}
