package bundle

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/evidence"
)

func sampleCustody() []CustodyAction {
	t0 := time.Date(2026, 1, 15, 8, 0, 0, 0, time.UTC)
	return []CustodyAction{
		{At: t0, Action: CustodyStart, Fields: map[string]string{"method": "whatsapp-web", "leaf": "19"}},
		{At: t0.Add(time.Second), Action: CustodyCapture, Chat: "+393771151947",
			Fields: map[string]string{"event": "action", "step": "read-messages", "loaded": "11"}},
		{At: t0.Add(2 * time.Second), Action: CustodyCapture, Chat: "+393286664444",
			Fields: map[string]string{"event": "action", "step": "read-messages", "loaded": "5"}},
	}
}

func TestCustodyRoundTrip(t *testing.T) {
	all := sampleCustody()
	mine := CustodyFor(all, "+393771151947")
	if len(mine) != 2 || mine[1].Fields["loaded"] != "11" {
		t.Fatalf("CustodyFor = %v, want the acquisition's action and this chat's", mine)
	}
	data, err := EncodeCustody(mine)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeCustody(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[0].At.Equal(mine[0].At) || got[1].Chat != "+393771151947" || got[1].Fields["step"] != "read-messages" {
		t.Errorf("decoded %v, want %v", got, mine)
	}
}

func TestDecodeCustodyRefuses(t *testing.T) {
	good, err := EncodeCustody(sampleCustody())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(good), "\n")
	tests := map[string]struct{ data, say string }{
		"no final newline": {strings.TrimSuffix(string(good), "\n"), "no newline"},
		"seq gap":          {lines[0] + lines[2], "line 2: seq 3, want 2"},
		"other format":     {strings.Replace(string(good), CustodyFormat, "attesta.custody/v9", 1), "line 1"},
		"unknown member":   {strings.Replace(string(good), `"seq":2`, `"seq":2,"extra":1`, 1), "line 2"},
		"two values":       {strings.Replace(string(good), "}\n", "}{}\n", 1), "line 1"},
		"no action":        {strings.Replace(string(good), `"action":"capture"`, `"action":""`, 1), "no action code"},
		"not json":         {"garbage\n", "line 1"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := DecodeCustody([]byte(tt.data)); err == nil || !strings.Contains(err.Error(), tt.say) {
				t.Errorf("DecodeCustody = %v, want an error saying %q", err, tt.say)
			}
		})
	}
}

// withCustody lists in m a custody log of actions, plus one "artifact" action per file of m, and stores it.
func (f *fixture) withCustody(t *testing.T, m *Manifest, actions []CustodyAction) []byte {
	t.Helper()
	files, err := m.files()
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		actions = append(actions, CustodyAction{At: time.Date(2026, 1, 15, 8, 1, 0, 0, time.UTC), Action: CustodyArtifact,
			Chat: m.Chat.Phone, Fields: map[string]string{"kind": "media", "sha256": file.SHA256, "leaf": "7"}})
	}
	data, err := EncodeCustody(actions)
	if err != nil {
		t.Fatal(err)
	}
	ref := f.put(t, data)
	m.Artifacts = append(m.Artifacts, evidence.Artifact{Path: CustodyPath, SHA256: ref.SHA256, Size: ref.Size, Kind: evidence.ArtifactLog})
	return data
}

// TestDeliveryCustody delivers a custody log as an artifact: verify checks it, rejects a changed line, a log of
// another chat and one that does not account for a file, and still accepts a delivery without one (made before it
// existed), noting its absence.
func TestDeliveryCustody(t *testing.T) {
	f := newFixture(t)
	m := f.chatManifest(t, 1, 10)
	data := f.withCustody(t, m, CustodyFor(sampleCustody(), m.Chat.Phone))
	folder := f.deliver(t, m, Delivery{}, WriteOptions{})
	r, err := Verify(t.Context(), folder, VerifyOptions{})
	if err != nil {
		t.Fatalf("Verify: %v\n%s", err, r.Text())
	}
	if cs := r.Find(CheckCustody); len(cs) != 1 || cs[0].Outcome != Pass || !strings.Contains(cs[0].EN, "7 actions") {
		t.Errorf("custody check %v, want a pass over 7 actions (2, and one per file)", cs)
	}

	bad := copyDir(t, folder)
	replaceOnce(t, filepath.Join(bad, filepath.FromSlash(CustodyPath)), `"loaded":"11"`, `"loaded":"12"`)
	r, err = Verify(t.Context(), bad, VerifyOptions{})
	failedCheck(t, r, err, CheckArtifact, CustodyPath)

	other := f.chatManifest(t, 3, 10)
	f.withCustody(t, other, sampleCustody()) // the other chat's actions left in
	r, err = Verify(t.Context(), f.deliver(t, other, Delivery{}, WriteOptions{}), VerifyOptions{})
	failedCheck(t, r, err, CheckCustody, CustodyPath)

	partial := f.chatManifest(t, 4, 10)
	f.withCustody(t, partial, nil)
	ref := f.put(t, []byte("a file the log does not record"))
	partial.Artifacts = append(partial.Artifacts, evidence.Artifact{Path: "artifacts/late.bin", SHA256: ref.SHA256,
		Size: ref.Size, Kind: evidence.ArtifactOther})
	r, err = Verify(t.Context(), f.deliver(t, partial, Delivery{}, WriteOptions{}), VerifyOptions{})
	failedCheck(t, r, err, CheckCustody, CustodyPath)
	if cs := r.Find(CheckCustody); len(cs) != 1 || !strings.Contains(cs[0].IT, "artifacts/late.bin") {
		t.Errorf("custody check %v, want it to name artifacts/late.bin", cs)
	}

	old := f.deliver(t, f.chatManifest(t, 2, 10), Delivery{}, WriteOptions{})
	r, err = Verify(t.Context(), old, VerifyOptions{})
	if err != nil {
		t.Fatalf("Verify of a delivery without custody log: %v", err)
	}
	if cs := r.Find(CheckCustody); len(cs) != 1 || cs[0].Outcome != Skip {
		t.Errorf("custody check %v, want the absence noted", cs)
	}
	if !bytes.Contains(data, []byte(`"format":"`+CustodyFormat+`"`)) {
		t.Error("custody line without its format")
	}
}

func FuzzDecodeCustody(f *testing.F) {
	good, err := EncodeCustody(sampleCustody())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte("{}\n"))
	f.Add([]byte(`{"format":"attesta.custody/v1","seq":1,"time":"2026-01-15T08:00:00Z","action":"x","fields":{"a":1}}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		actions, err := DecodeCustody(data)
		if err != nil {
			return
		}
		again, err := EncodeCustody(actions)
		if err != nil {
			t.Fatalf("decoded custody does not encode: %v", err)
		}
		if _, err := DecodeCustody(again); err != nil {
			t.Fatalf("re-encoded custody does not decode: %v", err)
		}
	})
}
