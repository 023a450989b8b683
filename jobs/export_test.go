package jobs

// StopHeartbeat stops q's heartbeat and leaves its workers running: to
// the other workers, q's process looks dead while its jobs still run.
func StopHeartbeat(q *Queue) {
	q.stopBeat()
	<-q.beating
	q.stopBeat = nil
}
