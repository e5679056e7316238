//go:build !race

package hub_test

// raceDetector: see race_on_test.go.
const raceDetector = false
