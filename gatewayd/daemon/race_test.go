//go:build race

package daemon

// raceEnabled: the race detector slows everything down several times.
const raceEnabled = true
