package msgstore_test

import (
	"crypto/sha256"
	"encoding/base64"
	"testing"

	"github.com/attesta/attesta/capture/android/msgstore"
)

func TestMediaAttachment(t *testing.T) {
	data := []byte("voice note bytes")
	sum := sha256.Sum256(data)
	good := base64.StdEncoding.EncodeToString(sum[:])
	tests := []struct {
		name string
		hash string
		data []byte
		want *bool
	}{
		{"hash matches", good, data, ptr(true)},
		{"hash differs", good, []byte("other bytes"), ptr(false)},
		{"no hash", "", data, nil},
		{"hash not base64", "not base64!", data, nil},
		{"hash of another length", base64.StdEncoding.EncodeToString([]byte("short")), data, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &msgstore.Media{MIME: "audio/ogg; codecs=opus", FileHash: tt.hash}
			a := m.AttachmentOf("artifacts/media/PTT-1.opus", tt.data)
			if err := a.Validate(); err != nil {
				t.Fatal(err)
			}
			if (a.WhatsAppHashOK == nil) != (tt.want == nil) || (a.WhatsAppHashOK != nil && *a.WhatsAppHashOK != *tt.want) {
				t.Errorf("whatsapp_hash_ok %v, want %v", deref2(a.WhatsAppHashOK), deref2(tt.want))
			}
			if a.Size != int64(len(tt.data)) || a.MIME != m.MIME {
				t.Errorf("attachment %+v", a)
			}
		})
	}
	miss := (&msgstore.Media{MIME: "image/jpeg"}).Missing(msgstore.UnavailableNotExtracted)
	if err := miss.Validate(); err != nil || miss.Unavailable != "not-extracted" {
		t.Errorf("missing attachment %+v: %v", miss, err)
	}
}

func ptr(b bool) *bool { return &b }

func deref2(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}
