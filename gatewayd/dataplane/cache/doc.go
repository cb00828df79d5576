// Package cache keeps a stage's cached responses, in the model of API Gateway's stage cache.
//
// It has three parts:
//
//   - Store is the seam between the pipeline and where entries live. Memory is the in-process
//     implementation: a byte-bounded LRU with a TTL per entry, split into shards that each have their
//     own lock, map, list and byte budget, so that hits on different keys do not contend and the total
//     never exceeds the budget. A Redis-backed Store can replace it in multi-node mode without the
//     pipeline changing.
//   - Cache wraps a Store and collapses concurrent misses on one key into one fill (one backend call),
//     which the peers (Kong proxy-cache, Tyk, APISIX) do not do. Refreshes (Cache-Control: max-age=0
//     from an authorized caller) bypass the stored entry but collapse with each other.
//   - Key and AppendKey build keys from the stage, the verb, the resource path and the values of the
//     integration's cache_key_parameters only, so query strings and headers that are not listed do not
//     split the cache.
//
// Policy stays with the caller: which verbs are cached, which statuses may be stored (API Gateway
// stores only 2xx), the TTL from the method settings, and what to do with an unauthorized
// Cache-Control. The Store enforces only sizes: entries whose body exceeds MaxEntryBytes (1 MiB, API
// Gateway's largest cacheable response) or that do not fit a shard are not stored.
//
// Resizing a stage's cache replaces the Cache with a new one over a new Store, as API Gateway's
// resizing does: the contents are lost.
package cache
