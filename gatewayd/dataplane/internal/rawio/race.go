//go:build linux && race

package rawio

// raceEnabled turns raw calls off under the race detector. internal/poll tells the detector that data
// written to a socket happens before its reading in the same process (tests synchronize through
// loopback connections); raw calls cannot, so the detector would report races that are not.
const raceEnabled = true
