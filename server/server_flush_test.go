package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestCountedResponsesFlush: the request counter's writer lets a handler
// flush, as a job's progress stream does after every event; before, each
// flush failed and the stream ended after its first event.
func TestCountedResponsesFlush(t *testing.T) {
	rec := httptest.NewRecorder()
	sw := &statusWriter{ResponseWriter: rec, code: http.StatusOK}
	if err := http.NewResponseController(sw).Flush(); err != nil {
		t.Fatalf("flush through the counter's writer: %v", err)
	}
	if !rec.Flushed {
		t.Fatal("the flush did not reach the connection's writer")
	}
}
