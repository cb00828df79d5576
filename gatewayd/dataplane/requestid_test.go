package dataplane

import (
	"regexp"
	"testing"
)

// TestNewRequestID checks the UUIDv4 layout and that ids do not repeat.
func TestNewRequestID(t *testing.T) {
	uuid4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := make(map[string]bool)
	for range 10000 {
		id := newRequestID()
		if len(id) != 1 || !uuid4.MatchString(id[0]) {
			t.Fatalf("request id %q: want one UUIDv4", id)
		}
		if seen[id[0]] {
			t.Fatalf("request id %s repeated", id[0])
		}
		seen[id[0]] = true
	}
}
