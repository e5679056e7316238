//go:build race

package hub_test

// raceDetector: the race detector multiplies memory use several times
// over, so memory bounds are not checked under it.
const raceDetector = true
