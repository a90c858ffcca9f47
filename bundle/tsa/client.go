package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"time"
)

// MaxResponseSize bounds a TSA's reply. A token with a full certificate
// chain is a few kilobytes.
const MaxResponseSize = 1 << 20

// DefaultTimeout bounds one exchange with the TSA when the caller's context
// has no deadline of its own.
const DefaultTimeout = 30 * time.Second

// Client asks an RFC 3161 TSA over HTTP for time-stamp tokens on SHA-256
// digests and verifies what it gets back.
type Client struct {
	URL    string                // the TSA's HTTP(S) endpoint
	HTTP   *http.Client          // nil means a client with [DefaultTimeout]
	Roots  *x509.CertPool        // the TSA's trust anchors; required
	Policy asn1.ObjectIdentifier // optional: the TSA policy to request and require
}

// Timestamp asks the TSA to stamp a SHA-256 digest, with a fresh random nonce
// and the TSA's certificate requested, and returns the verified token.
func (c *Client) Timestamp(ctx context.Context, digest []byte) (*Token, error) {
	req, err := c.NewRequest(digest)
	if err != nil {
		return nil, err
	}
	tok, _, err := c.Exchange(ctx, req)
	return tok, err
}

// NewRequest builds the request [Client.Timestamp] would send: SHA-256,
// a random 64-bit nonce, certReq set, and c.Policy if any.
func (c *Client) NewRequest(digest []byte) ([]byte, error) {
	if len(digest) != crypto.SHA256.Size() {
		return nil, fmt.Errorf("tsa: timestamp: digest is %d bytes, want a 32-byte SHA-256", len(digest))
	}
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, fmt.Errorf("tsa: timestamp: nonce: %w", err)
	}
	return newRequest(digest, crypto.SHA256, nonce, true, c.Policy)
}

// Exchange sends a TimeStampReq (DER) and returns the verified token and the
// raw TimeStampResp, which is what a .tsr file holds.
func (c *Client) Exchange(ctx context.Context, req []byte) (*Token, []byte, error) {
	if c.Roots == nil {
		return nil, nil, fmt.Errorf("tsa: %s: %w: no trusted roots configured", c.URL, ErrUntrusted)
	}
	r, err := parseRequest(req)
	if err != nil {
		return nil, nil, fmt.Errorf("tsa: %s: %w", c.URL, err)
	}
	resp, err := c.post(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	if _, err := parseResponse(resp, req); err != nil {
		return nil, nil, fmt.Errorf("tsa: %s: %w", c.URL, err)
	}
	tok, err := verifyToken(resp, r.Digest, c.Roots)
	if err != nil {
		return nil, nil, fmt.Errorf("tsa: %s: %w", c.URL, err)
	}
	if c.Policy != nil && !c.Policy.Equal(tok.Policy) {
		return nil, nil, fmt.Errorf("tsa: %s: %w: token policy %v, configured %v", c.URL, ErrPolicyMismatch, tok.Policy, c.Policy)
	}
	return tok, resp, nil
}

// post does the HTTP exchange of RFC 3161 §3.4.
func (c *Client) post(ctx context.Context, body []byte) ([]byte, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("tsa: post %q: %w", c.URL, err)
	}
	hreq.Header.Set("Content-Type", "application/timestamp-query")
	hreq.Header.Set("Accept", "application/timestamp-reply")
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	resp, err := hc.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("tsa: post %s: %w", c.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return nil, fmt.Errorf("tsa: post %s: HTTP status %s: %q", c.URL, resp.Status, snippet)
	}
	// RFC 3161 says timestamp-reply; some deployed TSAs still send the
	// draft's timestamp-response.
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ct != "application/timestamp-reply" && ct != "application/timestamp-response" {
		return nil, fmt.Errorf("tsa: post %s: content type %q, want application/timestamp-reply", c.URL, resp.Header.Get("Content-Type"))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseSize+1))
	if err != nil {
		return nil, fmt.Errorf("tsa: post %s: read reply: %w", c.URL, err)
	}
	if len(data) > MaxResponseSize {
		return nil, fmt.Errorf("tsa: post %s: %w: more than %d bytes", c.URL, ErrResponseTooLarge, MaxResponseSize)
	}
	return data, nil
}
