package web

import (
	"encoding/json"
	"testing"

	"github.com/attesta/attesta/evidence"
)

// FuzzBridgeReply feeds hostile page answers to the parser of what the bridge returns and to the conversion of
// message records: it must never panic, and a record it accepts must be a valid evidence message shape.
func FuzzBridgeReply(f *testing.F) {
	for _, seed := range []string{
		`{"ok":[{"id":"3EB05713D1AE71EB316E","key":"true_393771151946@c.us_3EB05713D1AE71EB316E","fromMe":true,"t":1768206600,"type":"chat","ack":3,"quoted":"","edited":false,"editKey":"","author":"","body":"Buongiorno"}]}`,
		`{"ok":[{"id":"3EB0C0480C9E2A40A489","fromMe":true,"t":1768292400,"type":"image","ack":3,"caption":"Foto","media":{"mime":"image/jpeg","size":20480,"filename":"contatore.jpg","filehash":"abc=","stage":"RESOLVED"}}]}`,
		`{"ok":[{"id":"x","t":-1,"type":"revoked"}]}`,
		`{"err":"module WAWebCollections missing","module":"WAWebCollections","build":"2.3000.1"}`,
		`{"ok":null}`,
		`{"ok":[null]}`,
		`[]`,
		`"`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var msgs []jsMessage
		if err := decodeReply("messages", raw, &msgs); err != nil {
			return
		}
		for i := range msgs {
			m, err := toEvidence(&msgs[i])
			if err != nil {
				continue
			}
			if m.ID == "" || !m.SentAt.Known() || !m.Type.Valid() {
				t.Fatalf("accepted %+v", m)
			}
			if m.Text != nil && *m.Text == "" {
				t.Fatalf("empty text kept as non-nil")
			}
			// Judged, every accepted record is a valid manifest message.
			h := []evidence.Message{m}
			evidence.Apply(evidence.Chat{Phone: "+393771151946", JID: "393771151946@c.us"}, h)
			if err := h[0].Validate(); err != nil {
				t.Fatalf("accepted record invalid after judging: %v", err)
			}
			if _, err := json.Marshal(h[0]); err != nil {
				t.Fatalf("marshal: %v", err)
			}
		}
	})
}
