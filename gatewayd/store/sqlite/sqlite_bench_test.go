package sqlite

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// benchData is about the size of a method or integration document.
var benchData = []byte(`{"rest_api_id":"a1b2c3d4e5","resource_id":"r1","http_method":"GET","type":"HTTP_PROXY",` +
	`"uri":"https://backend.example.com/pets/{id}","passthrough_behavior":"WHEN_NO_MATCH",` +
	`"timeout_milliseconds":29000,"request_parameters":{"integration.request.path.id":"method.request.path.id"}}`)

func openBench(b *testing.B) *Store {
	b.Helper()
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkPut measures one durable Update holding one Put: the cost of a control-plane write.
func BenchmarkPut(b *testing.B) {
	s := openBench(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		key := "m" + strconv.Itoa(i%1000)
		i++
		err := s.Update(ctx, func(tx store.Tx) error {
			_, err := tx.Put(store.KindIntegration, "a1b2c3d4e5", key, benchData, store.AnyVersion)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGet measures one View holding one Get among 1000 records.
func BenchmarkGet(b *testing.B) {
	s := openBench(b)
	ctx := context.Background()
	keys := make([]string, 1000)
	err := s.Update(ctx, func(tx store.Tx) error {
		for i := range keys {
			keys[i] = "m" + strconv.Itoa(i)
			if _, err := tx.Put(store.KindIntegration, "a1b2c3d4e5", keys[i], benchData, store.AnyVersion); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		key := keys[i%len(keys)]
		i++
		err := s.View(ctx, func(tx store.Tx) error {
			r, err := tx.Get(store.KindIntegration, "a1b2c3d4e5", key)
			if err == nil && !strings.HasPrefix(string(r.Data), "{") {
				b.Fatalf("Get returned %q", r.Data)
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
