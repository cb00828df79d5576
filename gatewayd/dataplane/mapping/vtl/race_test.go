//go:build race

package vtl

// raceSlowdown scales FuzzExecute's time bound: the race detector makes evaluation several times
// slower, and a shared 2-core machine slower still.
const raceSlowdown = 10
