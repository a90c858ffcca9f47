package tsa

import (
	"context"
	"crypto"
	"encoding/asn1"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/bundle/tsa/tsatest"
)

func TestClientTimestamp(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  tsatest.Options
	}{
		{"ecdsa-ess-v2", tsatest.Options{}},
		{"rsa-ess-v1", tsatest.Options{RSA: true, ESSSHA1: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, s := newClient(t, tc.opt)
			d := digestOf("checkpoint 42")
			before := time.Now().Add(-2 * time.Second)
			tok, err := c.Timestamp(t.Context(), d)
			if err != nil {
				t.Fatal(err)
			}
			if tok.GenTime.Before(before) || tok.GenTime.After(time.Now().Add(2*time.Second)) {
				t.Errorf("genTime %v not around now", tok.GenTime)
			}
			if tok.Policy.String() != tsatest.DefaultPolicy {
				t.Errorf("policy %v, want %s", tok.Policy, tsatest.DefaultPolicy)
			}
			if tok.Accuracy != time.Second+500*time.Millisecond+100*time.Microsecond {
				t.Errorf("accuracy %v", tok.Accuracy)
			}
			if !tok.Ordering || tok.Nonce == nil || tok.Serial == nil {
				t.Errorf("ordering %v nonce %v serial %v", tok.Ordering, tok.Nonce, tok.Serial)
			}
			if !strings.Contains(tok.TSAName, "CN=Attesta Test TSA") {
				t.Errorf("TSA name %q", tok.TSAName)
			}
			if tok.Signer == nil || !tok.Signer.Equal(s.Cert) {
				t.Errorf("signer %v, want the test TSA cert", tok.Signer)
			}
			if tok.QTSTStatement {
				t.Error("test token claims to be qualified")
			}
			if _, err := VerifyToken(tok.DER, d, s.Roots); err != nil {
				t.Errorf("token DER does not verify on its own: %v", err)
			}
		})
	}
}

func TestClientPolicy(t *testing.T) {
	c, _ := newClient(t, tsatest.Options{})
	c.Policy = asn1.ObjectIdentifier{1, 2, 3, 4, 5, 6}
	tok, err := c.Timestamp(t.Context(), digestOf("x"))
	if err != nil {
		t.Fatal(err)
	}
	if !tok.Policy.Equal(c.Policy) {
		t.Errorf("policy %v", tok.Policy)
	}
	c.Policy = asn1.ObjectIdentifier{1, 2, 3, 4, 99}
	_, err = c.Timestamp(t.Context(), digestOf("x"))
	var se *StatusError
	if !errors.As(err, &se) || !errors.Is(err, ErrRejected) || se.Status != StatusRejection {
		t.Fatalf("unsupported policy: err = %v, want a rejection", err)
	}
	if !strings.Contains(err.Error(), "unacceptedPolicy") || !strings.Contains(err.Error(), c.URL) {
		t.Errorf("error %q should name the failInfo and the URL", err)
	}
}

func TestClientErrors(t *testing.T) {
	tsa := tsatest.New(t, tsatest.Options{})
	other := tsatest.New(t, tsatest.Options{})
	hostile := func(ct string, body []byte, status int) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ct)
			w.WriteHeader(status)
			w.Write(body)
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	// A TSA that stamps another digest under the request's nonce, and one
	// that replays a reply made for another request.
	swapped := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, _ := io.ReadAll(r.Body)
		pr, err := ParseRequest(q)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		other, _ := NewRequest(digestOf("not what was asked"), crypto.SHA256, pr.Nonce, true)
		resp, err := tsa.Reply(other)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(resp)
	}))
	t.Cleanup(swapped.Close)
	_, oldReply := openSSLReply(t, tsa, digestOf("y"), 42)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	const reply = "application/timestamp-reply"
	for _, tc := range []struct {
		name    string
		url     string
		roots   func() *Client
		wantIs  error
		wantSub string
	}{
		{name: "connection refused", url: closed.URL, wantSub: "connect"},
		{name: "http 500", url: hostile(reply, []byte("boom"), 500), wantSub: "500"},
		{name: "html", url: hostile("text/html", []byte("<html>"), 200), wantSub: "text/html"},
		{name: "garbage", url: hostile(reply, []byte("\x30\x03garbage"), 200), wantIs: ErrMalformed},
		{name: "empty", url: hostile(reply, nil, 200), wantIs: ErrMalformed},
		{name: "oversized", url: hostile(reply, make([]byte, MaxResponseSize+10), 200), wantIs: ErrResponseTooLarge},
		{name: "untrusted signer", url: other.URL, wantIs: ErrUntrusted},
		{name: "wrong imprint", url: swapped.URL, wantIs: ErrImprintMismatch},
		{name: "replayed reply", url: hostile(reply, oldReply, 200), wantIs: ErrNonceMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Client{URL: tc.url, Roots: tsa.Roots}
			_, err := c.Timestamp(t.Context(), digestOf("y"))
			if err == nil {
				t.Fatal("no error")
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("err = %v, want %v", err, tc.wantIs)
			}
			if !strings.Contains(err.Error(), tc.wantSub) || !strings.Contains(err.Error(), strings.TrimSuffix(tc.url, "/")) {
				t.Errorf("err %q should name the URL and %q", err, tc.wantSub)
			}
		})
	}
	t.Run("no roots", func(t *testing.T) {
		_, err := (&Client{URL: tsa.URL}).Timestamp(t.Context(), digestOf("z"))
		if !errors.Is(err, ErrUntrusted) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("short digest", func(t *testing.T) {
		if _, err := (&Client{URL: tsa.URL, Roots: tsa.Roots}).Timestamp(t.Context(), []byte("short")); err == nil {
			t.Error("no error")
		}
	})
	t.Run("context deadline", func(t *testing.T) {
		block := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-block:
			case <-r.Context().Done():
			}
		}))
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(block) })
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		_, err := (&Client{URL: srv.URL, Roots: tsa.Roots}).Timestamp(ctx, digestOf("z"))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want deadline exceeded", err)
		}
	})
}
