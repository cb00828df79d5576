//go:build !race

package vtl

// raceSlowdown scales FuzzExecute's time bound (see race_test.go).
const raceSlowdown = 1
