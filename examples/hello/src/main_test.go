package main

import "testing"

func TestGreeting(t *testing.T) {
	if got := greeting(""); got != "Hello, world!" {
		t.Errorf("greeting(\"\") = %q", got)
	}
	if got := greeting("operator"); got != "Hello, operator!" {
		t.Errorf("greeting(\"operator\") = %q", got)
	}
}
