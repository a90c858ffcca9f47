package webtest

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// StartServer, the demo's constructor, returns an invalid scenario as an error naming the rule, and serves a
// valid one.
func TestStartServerReturnsErrors(t *testing.T) {
	sc := MustDefaultScenario("basic")
	sc.Chats[0].Messages[0].Ack = 42
	if s, err := StartServer(sc); err == nil || !errors.Is(err, ErrInvalidScenario) || !strings.Contains(err.Error(), "ack") {
		if s != nil {
			s.Close()
		}
		t.Fatalf("StartServer(invalid) = %v, want an ErrInvalidScenario naming the ack", err)
	}
	s, err := StartServer(MustDefaultScenario("basic"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	resp, err := http.Get(s.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET / = %d", resp.StatusCode)
	}
}
