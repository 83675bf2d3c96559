package http

import "time"

// SetSSEHeartbeat shortens the event stream's heartbeat (and session
// check) for a test; it returns the function that restores it.
func SetSSEHeartbeat(d time.Duration) func() {
	old := sseHeartbeat
	sseHeartbeat = d
	return func() { sseHeartbeat = old }
}
