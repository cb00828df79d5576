//go:build linux && !race

package rawio

const raceEnabled = false
