package cache

import "testing"

func TestBudgetBytes(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		size  string
		limit int64
		want  int64
	}{
		{size: "0.5", want: 512 * mib},
		{size: "1.6", want: 1638 * mib},
		{size: "6.1", want: 6246 * mib},
		{size: "13.5", want: 13824 * mib},
		{size: "28.4", want: 29082 * mib},
		{size: "58.2", want: 59597 * mib},
		{size: "118", want: 118 << 30},
		{size: "237", want: 237 << 30},
		{size: "237", limit: 256 * mib, want: 256 * mib},
		{size: "0.5", limit: 1 << 30, want: 512 * mib},
		{size: "0.5", limit: 512 * mib, want: 512 * mib},
		{size: "0.5", limit: -1, want: 512 * mib},
		{size: "2", want: 0},
		{size: "", limit: 1 << 30, want: 0},
	}
	for _, tt := range tests {
		if got := BudgetBytes(tt.size, tt.limit); got != tt.want {
			t.Errorf("BudgetBytes(%q, %d) = %d, want %d", tt.size, tt.limit, got, tt.want)
		}
	}
}
