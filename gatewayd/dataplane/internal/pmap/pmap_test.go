package pmap

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
)

// check compares m with want, through Get, All and Len.
func check[V comparable](t *testing.T, at string, m Map[V], want map[string]V) {
	t.Helper()
	if m.Len() != len(want) {
		t.Fatalf("%s: Len = %d, want %d", at, m.Len(), len(want))
	}
	for k, v := range want {
		if got, ok := m.Get(k); !ok || got != v {
			t.Fatalf("%s: Get(%q) = %v, %v; want %v", at, k, got, ok, v)
		}
	}
	seen := map[string]V{}
	for k, v := range m.All() {
		if _, dup := seen[k]; dup {
			t.Fatalf("%s: All yields %q twice", at, k)
		}
		seen[k] = v
	}
	if !maps.Equal(seen, want) {
		t.Fatalf("%s: All yields %d keys that differ from the %d wanted", at, len(seen), len(want))
	}
}

// TestVersionsStayAsTheyWere drives a map through random batches of sets and deletes, each batch
// under its own Edit, and checks after each that every version kept still holds what it held.
func TestVersionsStayAsTheyWere(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var m Map[int]
	want := map[string]int{}
	type version struct {
		m    Map[int]
		want map[string]int
	}
	var kept []version
	for batch := range 300 {
		ed := NewEdit()
		for range rng.IntN(40) {
			k := fmt.Sprintf("k%d", rng.IntN(2000))
			if rng.IntN(3) == 0 {
				m.Delete(k, ed)
				delete(want, k)
			} else {
				v := rng.Int()
				m.Set(k, v, ed)
				want[k] = v
			}
		}
		check(t, fmt.Sprintf("batch %d", batch), m, want)
		kept = append(kept, version{m, maps.Clone(want)})
		if batch%50 == 49 {
			for i, v := range kept {
				check(t, fmt.Sprintf("version %d after batch %d", i, batch), v.m, v.want)
			}
		}
		if m.Get("nope"); m.Len() != len(want) {
			t.Fatal("Get changed the map")
		}
	}
	// Deleting everything leaves an empty map.
	ed := NewEdit()
	for k := range maps.Clone(want) {
		m.Delete(k, ed)
		delete(want, k)
	}
	check(t, "emptied", m, want)
	var zero Map[int]
	zero.Delete("x", ed)
	check(t, "zero", zero, map[string]int{})
}

// TestEqualHashes: keys whose hashes are equal in all 64 bits, or in their first levels only, are
// told apart by their keys, and deleted one by one.
func TestEqualHashes(t *testing.T) {
	var m Map[string]
	want := map[string]string{}
	ed := NewEdit()
	hashes := map[string]uint64{"a": 7, "b": 7, "c": 7, "d": 7 | 1<<40, "e": 8}
	set := func(k string) {
		m.set(hashes[k], k, "v"+k, ed)
		want[k] = "v" + k
	}
	del := func(k string) {
		m.del(hashes[k], k, ed)
		delete(want, k)
	}
	verify := func(at string) {
		t.Helper()
		if m.Len() != len(want) {
			t.Fatalf("%s: Len = %d, want %d", at, m.Len(), len(want))
		}
		for k := range hashes {
			got, ok := m.get(hashes[k], k)
			if w, in := want[k]; ok != in || got != w {
				t.Fatalf("%s: get(%q) = %q, %v; want %q, %v", at, k, got, ok, w, in)
			}
		}
	}
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		set(k)
		verify("set " + k)
	}
	before := m
	ed = NewEdit()
	m.set(hashes["b"], "b", "changed", ed)
	want["b"] = "changed"
	verify("b changed")
	if got, _ := before.get(hashes["b"], "b"); got != "vb" {
		t.Fatalf("the version before holds %q for b", got)
	}
	for _, k := range []string{"b", "a", "e", "c", "d"} {
		del(k)
		verify("deleted " + k)
	}
}

func BenchmarkGet(b *testing.B) {
	for _, n := range []int{4, 5000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var m Map[int]
			ed := NewEdit()
			keys := make([]string, n)
			for i := range keys {
				keys[i] = fmt.Sprintf("segment%d", i)
				m.Set(keys[i], i, ed)
			}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, ok := m.Get(keys[i%n]); !ok {
					b.Fatal("missing")
				}
			}
		})
	}
}
