package cache

// sizeMiB maps API Gateway's cache cluster sizes, in GB, to MiB. GB is read as GiB: these are memory
// sizes, and the cache counts bytes of memory.
var sizeMiB = map[string]int64{
	"0.5":  512,
	"1.6":  1638,
	"6.1":  6246,
	"13.5": 13824,
	"28.4": 29082,
	"58.2": 59597,
	"118":  118 << 10,
	"237":  237 << 10,
}

// BudgetBytes returns the byte budget for a stage cache of size (one of API Gateway's sizes, "0.5" to
// "237"), capped by limit, the server's limit, so that a small machine is never asked for 237 GB. A
// limit <= 0 means no cap; an unknown size gets 0, a cache that stores nothing.
func BudgetBytes(size string, limit int64) int64 {
	b := sizeMiB[size] << 20
	if limit > 0 && b > limit {
		return limit
	}
	return b
}
