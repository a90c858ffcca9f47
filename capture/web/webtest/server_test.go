package webtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

func writeFile(path string, data []byte) error { return os.WriteFile(path, data, 0o600) }

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

func post(t *testing.T, url, body string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestHooksOverHTTP(t *testing.T) {
	s := newTestServer(t, MustDefaultScenario("basic"))
	if code, _ := get(t, s.URL()+"/__app/data"); code != http.StatusUnauthorized {
		t.Errorf("data before linking: HTTP %d, want 401", code)
	}
	for _, p := range []string{"/__test/receipts", "/__test/actions"} {
		if code, body := get(t, s.URL()+p); code != 200 || strings.TrimSpace(string(body)) != "[]" {
			t.Errorf("GET %s = %d %q, want an empty JSON list", p, code, body)
		}
	}
	if code, _ := get(t, s.URL()+"/__test/scan"); code != http.StatusMethodNotAllowed {
		t.Errorf("GET /__test/scan = %d, want 405", code)
	}
	if code := post(t, s.URL()+"/__test/scan", ""); code != 200 || !s.Linked() {
		t.Errorf("POST /__test/scan = %d, linked %t", code, s.Linked())
	}
	code, body := get(t, s.URL()+"/__app/data")
	var pd pageData
	if code != 200 || json.Unmarshal(body, &pd) != nil || len(pd.Chats) != len(s.Scenario().Chats) {
		t.Errorf("data after linking: HTTP %d, %d chats", code, len(pd.Chats))
	}
	if code := post(t, s.URL()+"/__app/receipt", `{"kind":"delivered"}`); code != http.StatusBadRequest {
		t.Errorf("bad receipt kind: HTTP %d", code)
	}
	if code := post(t, s.URL()+"/__app/receipt", `{"kind":"read","chat":"1@c.us","ids":["A","B"]}`); code != http.StatusNoContent {
		t.Errorf("receipt: HTTP %d", code)
	}
	var rs []Receipt
	_, body = get(t, s.URL()+"/__test/receipts")
	if err := json.Unmarshal(body, &rs); err != nil || len(rs) != 2 || rs[1].MsgID != "B" || rs[0].Kind != "read" {
		t.Errorf("receipts = %s (%v)", body, err)
	}
	if code := post(t, s.URL()+"/__test/unlink", ""); code != 200 || s.Linked() {
		t.Errorf("unlink: HTTP %d, linked %t", code, s.Linked())
	}
	if code, _ := get(t, s.URL()+"/v/t62.7118-24/nothing.enc"); code != 404 {
		t.Errorf("unknown media: HTTP %d", code)
	}
}

// decryptForTest undoes encryptMedia the way a WhatsApp client does.
func decryptForTest(file []byte, mediaKey []byte, typ string) ([]byte, error) {
	keys, err := hkdf.Key(sha256.New, mediaKey, nil, mediaInfo(typ), 112)
	if err != nil {
		return nil, err
	}
	iv, ck, mk := keys[:16], keys[16:48], keys[48:80]
	ct, mac := file[:len(file)-10], file[len(file)-10:]
	h := hmac.New(sha256.New, mk)
	h.Write(iv)
	h.Write(ct)
	if !hmac.Equal(h.Sum(nil)[:10], mac) {
		return nil, errors.New("mac mismatch")
	}
	block, _ := aes.NewCipher(ck)
	pt := bytes.Clone(ct)
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(pt, pt)
	return pt[:len(pt)-int(pt[len(pt)-1])], nil
}

func TestMediaServedEncrypted(t *testing.T) {
	sc := MustDefaultScenario("basic")
	s := newTestServer(t, sc)
	s.Scan()
	_, body := get(t, s.URL()+"/__app/data")
	var pd pageData
	if err := json.Unmarshal(body, &pd); err != nil {
		t.Fatal(err)
	}
	n := 0
	for ci, c := range pd.Chats {
		for _, m := range c.Messages {
			if m.Media == nil {
				continue
			}
			code, file := get(t, s.URL()+m.Media.DirectPath)
			var want *Message
			for j := range sc.Chats[ci].Messages {
				if sc.Chats[ci].Messages[j].ID == m.ID {
					want = &sc.Chats[ci].Messages[j]
				}
			}
			if stateOf(want.Media) != MediaOK {
				if code != 404 {
					t.Errorf("%s (%s): HTTP %d, want 404", m.ID, want.Media.State, code)
				}
				continue
			}
			sum := sha256.Sum256(file)
			if code != 200 || base64.StdEncoding.EncodeToString(sum[:]) != m.Media.EncFilehash {
				t.Errorf("%s: HTTP %d, encFilehash mismatch", m.ID, code)
				continue
			}
			key, _ := base64.StdEncoding.DecodeString(m.Media.MediaKey)
			pt, err := decryptForTest(file, key, m.Type)
			if err != nil || !bytes.Equal(pt, want.Media.Plaintext(c.ID, m.ID)) {
				t.Errorf("%s: decrypt: %v", m.ID, err)
			}
			n++
		}
	}
	if n == 0 {
		t.Error("no media checked")
	}
}

func TestQRRefRotates(t *testing.T) {
	s := newTestServer(t, MustDefaultScenario("basic"), WithQRRotation(30*time.Millisecond))
	first := s.Ref()
	waitServer(t, "a new ref", func() bool { return s.Ref() != first })
	if !strings.HasPrefix(s.Ref(), "2@") {
		t.Errorf("ref %q", s.Ref())
	}
}

func TestNewServerPanicsOnInvalidScenario(t *testing.T) {
	sc := MustDefaultScenario("basic")
	sc.Chats[0].Messages[0].Ack = 42
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "ack") {
			t.Errorf("panic = %v", r)
		}
	}()
	NewServer(sc)
}

func FuzzLoadScenario(f *testing.F) {
	for _, name := range DefaultScenarioNames() {
		data, err := DefaultScenarioBytes(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	small, _ := NewBuilder("small").Chat("393331112222@c.us", "A").Out("X1", time.Unix(1768208400, 0), "hi").c.b.sc.Marshal()
	f.Add(small)
	f.Add([]byte(`{"format":"attesta.waweb.scenario/v1"}`))
	f.Add([]byte(`{"format":"attesta.waweb.scenario/v1","account":{"phone":"393331234567","pushName":"A","language":"it"},"chats":[{"id":"1@g.us"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := LoadScenario(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidScenario) {
				t.Fatalf("error does not wrap ErrInvalidScenario: %v", err)
			}
			return
		}
		out, err := sc.Marshal()
		if err != nil {
			t.Fatalf("marshal accepted scenario: %v", err)
		}
		if _, err := LoadScenario(out); err != nil {
			t.Fatalf("accepted scenario does not reload: %v", err)
		}
		var media int64
		for _, c := range sc.Chats {
			for _, m := range c.Messages {
				if m.Media != nil {
					media += m.Media.Len()
				}
			}
		}
		if media > 1<<20 {
			return // valid, but encrypting it all is not worth the fuzzing time
		}
		if _, err := newServer(sc); err != nil {
			t.Fatalf("accepted scenario has no server: %v", err)
		}
	})
}
