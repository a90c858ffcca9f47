package drive

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/internal/strictjson"
	"github.com/attesta/attesta/journal"
)

// StudioAccount is the account name of the studio's Drive; a client's Drive is the account of its case, named
// by the case id.
const StudioAccount = "studio"

// tokenFormat names a token record's encoding (inside its AES-GCM envelope).
const tokenFormat = "attesta.drive-token/v1"

// Errors of the token store.
var (
	// ErrNotAuthorized: no token is stored for the account (never authorized, or revoked).
	ErrNotAuthorized = errors.New("drive: account not authorized")
	// ErrBadAccount: an account name that is not a safe file name.
	ErrBadAccount = errors.New("drive: bad account name")
)

var accountPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// Sealer seals a secret to this appliance's TPM and opens it again; *tpm.TPM is one.
type Sealer interface {
	Seal(ctx context.Context, secret []byte) ([]byte, error)
	Unseal(ctx context.Context, sealed []byte) ([]byte, error)
}

// Recorder appends a leaf to the journal; durable when it returns without error.
type Recorder interface {
	Record(ctx context.Context, e journal.Entry) (journal.Leaf, error)
}

// OAuth is how the appliance reaches Google's OAuth 2.0 endpoints.
type OAuth struct {
	ClientID, ClientSecret string
	DeviceAuthURL          string // https://oauth2.googleapis.com/device/code
	TokenURL               string // https://oauth2.googleapis.com/token
	RevokeURL              string // https://oauth2.googleapis.com/revoke
}

// GoogleOAuth returns Google's endpoints for the client id and secret.
func GoogleOAuth(clientID, clientSecret string) OAuth {
	return OAuth{ClientID: clientID, ClientSecret: clientSecret, DeviceAuthURL: "https://oauth2.googleapis.com/device/code",
		TokenURL: "https://oauth2.googleapis.com/token", RevokeURL: "https://oauth2.googleapis.com/revoke"}
}

func (o OAuth) config() *oauth2.Config {
	return &oauth2.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, Scopes: []string{Scope},
		Endpoint: oauth2.Endpoint{DeviceAuthURL: o.DeviceAuthURL, TokenURL: o.TokenURL, AuthStyle: oauth2.AuthStyleInParams}}
}

// Tokens keeps the accounts' OAuth tokens in a directory, each encrypted (AES-256-GCM, the account bound as
// associated data) under a key the TPM seals (key.sealed). Its methods are safe for concurrent use.
type Tokens struct {
	dir    string
	oauth  OAuth
	sealer Sealer
	rec    Recorder
	client *http.Client // for the OAuth endpoints; nil: http.DefaultClient

	mu      sync.Mutex
	aead    cipher.AEAD
	sources map[string]*accountSource
	pending map[string]*DeviceCode
}

// OpenTokens opens the token store in dir (created if needed). client reaches the OAuth endpoints (nil: the
// default client).
func OpenTokens(dir string, oauth OAuth, sealer Sealer, rec Recorder, client *http.Client) (*Tokens, error) {
	if err := durable.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("drive: tokens: %w", err)
	}
	if _, err := durable.RemoveTemps(dir); err != nil {
		return nil, fmt.Errorf("drive: tokens: %w", err)
	}
	if client == nil {
		client = http.DefaultClient
	}
	return &Tokens{dir: dir, oauth: oauth, sealer: sealer, rec: rec, client: client,
		sources: map[string]*accountSource{}, pending: map[string]*DeviceCode{}}, nil
}

// key returns the store's AES-256 key, unsealed by the TPM, made and sealed on first use. t.mu must be held.
func (t *Tokens) key(ctx context.Context) (cipher.AEAD, error) {
	if t.aead != nil {
		return t.aead, nil
	}
	path := filepath.Join(t.dir, "key.sealed")
	var key []byte
	sealed, err := os.ReadFile(path)
	switch {
	case err == nil:
		if key, err = t.sealer.Unseal(ctx, sealed); err != nil || len(key) != 32 {
			return nil, fmt.Errorf("drive: tokens: unseal %s: the key does not open with this TPM: %w", path, err)
		}
	case errors.Is(err, fs.ErrNotExist):
		key = make([]byte, 32)
		rand.Read(key)
		if sealed, err = t.sealer.Seal(ctx, key); err != nil {
			return nil, fmt.Errorf("drive: tokens: seal the key: %w", err)
		}
		if err := durable.WriteNew(path, sealed, 0o600); err != nil {
			return nil, fmt.Errorf("drive: tokens: %w", err)
		}
	default:
		return nil, fmt.Errorf("drive: tokens: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	if t.aead, err = cipher.NewGCM(block); err != nil {
		return nil, err
	}
	return t.aead, nil
}

type tokenRecord struct {
	Format       string    `json:"format"`
	Account      string    `json:"account"`
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	Expiry       time.Time `json:"expiry"`
}

func (t *Tokens) path(account string) string { return filepath.Join(t.dir, account+".token") }

// save stores tok for account, encrypted. t.mu must be held.
func (t *Tokens) save(ctx context.Context, account string, tok *oauth2.Token) error {
	aead, err := t.key(ctx)
	if err != nil {
		return err
	}
	plain, err := json.Marshal(tokenRecord{Format: tokenFormat, Account: account, AccessToken: tok.AccessToken,
		RefreshToken: tok.RefreshToken, Expiry: tok.Expiry.UTC()})
	if err != nil {
		return err
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	if err := durable.Replace(t.path(account), aead.Seal(nonce, nonce, plain, []byte(tokenFormat+"\x00"+account)), 0o600); err != nil {
		return fmt.Errorf("drive: tokens: save %s: %w", account, err)
	}
	return nil
}

// load reads account's token. t.mu must be held.
func (t *Tokens) load(ctx context.Context, account string) (*oauth2.Token, error) {
	if !accountPattern.MatchString(account) {
		return nil, fmt.Errorf("%w: %q", ErrBadAccount, account)
	}
	data, err := os.ReadFile(t.path(account))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotAuthorized, account)
	}
	if err != nil {
		return nil, fmt.Errorf("drive: tokens: %w", err)
	}
	aead, err := t.key(ctx)
	if err != nil {
		return nil, err
	}
	n := aead.NonceSize()
	if len(data) < n+aead.Overhead() {
		return nil, fmt.Errorf("drive: tokens: %s: truncated", t.path(account))
	}
	plain, err := aead.Open(nil, data[:n], data[n:], []byte(tokenFormat+"\x00"+account))
	if err != nil {
		return nil, fmt.Errorf("drive: tokens: %s: does not open: altered, or not this account's", t.path(account))
	}
	var rec tokenRecord
	if err := strictjson.DecodeFormat(t.path(account), plain, tokenFormat, &rec); err != nil {
		return nil, fmt.Errorf("drive: tokens: %w", err)
	}
	return &oauth2.Token{AccessToken: rec.AccessToken, RefreshToken: rec.RefreshToken, Expiry: rec.Expiry, TokenType: "Bearer"}, nil
}

// Authorized reports whether a token is stored for account.
func (t *Tokens) Authorized(account string) bool {
	_, err := os.Stat(t.path(account))
	return accountPattern.MatchString(account) && err == nil
}

// accountSource gives an account's access token, refreshing it when it expired or when Drive refused it, and
// stores every new token.
type accountSource struct {
	t       *Tokens
	account string
	mu      sync.Mutex
	tok     *oauth2.Token
}

func (s *accountSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok.Valid() {
		return s.tok, nil
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, s.t.client)
	fresh, err := s.t.oauth.config().TokenSource(ctx, &oauth2.Token{RefreshToken: s.tok.RefreshToken}).Token()
	if err != nil {
		return nil, fmt.Errorf("drive: refresh the token of %s: %w", s.account, err)
	}
	if fresh.RefreshToken == "" {
		fresh.RefreshToken = s.tok.RefreshToken
	}
	s.t.mu.Lock()
	err = s.t.save(ctx, s.account, fresh)
	s.t.mu.Unlock()
	if err != nil {
		return nil, err
	}
	s.tok = fresh
	return fresh, nil
}

// invalidate forgets the access token Drive refused, so that the next request refreshes it.
func (s *accountSource) invalidate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *s.tok
	c.AccessToken, c.Expiry = "", time.Unix(1, 0)
	s.tok = &c
}

// source returns account's token source.
func (t *Tokens) source(ctx context.Context, account string) (*accountSource, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.sources[account]; ok {
		return s, nil
	}
	tok, err := t.load(ctx, account)
	if err != nil {
		return nil, err
	}
	s := &accountSource{t: t, account: account, tok: tok}
	t.sources[account] = s
	return s, nil
}

// HTTPClient returns a client whose requests carry account's token, over base (nil: the default transport).
func (t *Tokens) HTTPClient(ctx context.Context, account string, base http.RoundTripper) (*http.Client, error) {
	s, err := t.source(ctx, account)
	if err != nil {
		return nil, err
	}
	if base == nil {
		base = http.DefaultTransport
	}
	return &http.Client{Transport: &oauth2.Transport{Source: s, Base: base}}, nil
}

// Invalidate makes the next request of account refresh its token first (Drive answered 401).
func (t *Tokens) Invalidate(account string) {
	t.mu.Lock()
	s := t.sources[account]
	t.mu.Unlock()
	if s != nil {
		s.invalidate()
	}
}

// DeviceCode is what the client is shown to authorize the appliance: a URL to open and a short code to type.
type DeviceCode struct {
	UserCode string
	URL      string
	Expires  time.Time
	// Done is closed when the authorization ended; Err then says how (nil: authorized).
	Done chan struct{}
	Err  error
}

// Authorize starts the OAuth 2.0 device flow for account: it returns the code and URL to show, and waits in the
// background, until ctx ends or the code expires, for the user to allow access; the token is then stored and a
// drive-authorized leaf journaled. caseID is the case the leaf names ("" for the studio's account).
func (t *Tokens) Authorize(ctx context.Context, account, caseID string) (*DeviceCode, error) {
	if !accountPattern.MatchString(account) {
		return nil, fmt.Errorf("%w: %q", ErrBadAccount, account)
	}
	cfg := t.oauth.config()
	octx := context.WithValue(ctx, oauth2.HTTPClient, t.client)
	resp, err := cfg.DeviceAuth(octx)
	if err != nil {
		return nil, fmt.Errorf("drive: device authorization for %s: %w", account, err)
	}
	dc := &DeviceCode{UserCode: resp.UserCode, URL: resp.VerificationURI, Expires: resp.Expiry, Done: make(chan struct{})}
	t.mu.Lock()
	t.pending[account] = dc
	t.mu.Unlock()
	go func() {
		defer close(dc.Done)
		tok, err := cfg.DeviceAccessToken(octx, resp)
		if err == nil {
			err = t.store(ctx, account, caseID, tok)
		}
		dc.Err = err
		t.mu.Lock()
		if t.pending[account] == dc {
			delete(t.pending, account)
		}
		t.mu.Unlock()
	}()
	return dc, nil
}

// Pending returns the device code account is waiting on, if any.
func (t *Tokens) Pending(account string) (*DeviceCode, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	dc, ok := t.pending[account]
	return dc, ok
}

// store keeps a newly granted token and journals the authorization.
func (t *Tokens) store(ctx context.Context, account, caseID string, tok *oauth2.Token) error {
	if tok.RefreshToken == "" {
		return fmt.Errorf("drive: authorization of %s: no refresh token granted", account)
	}
	t.mu.Lock()
	err := t.save(ctx, account, tok)
	delete(t.sources, account)
	t.mu.Unlock()
	if err != nil {
		return err
	}
	_, err = t.rec.Record(ctx, journal.Entry{Type: LeafAuthorized, Case: caseID, Fields: map[string]any{
		"account": accountKind(account), "scope": Scope}})
	return err
}

// Revoke revokes account's token at Google (the refresh token, and with it every access token), destroys the
// stored copy and journals it. A token Google no longer knows is destroyed all the same.
func (t *Tokens) Revoke(ctx context.Context, account, caseID, reason string) error {
	t.mu.Lock()
	tok, err := t.load(ctx, account)
	t.mu.Unlock()
	if errors.Is(err, ErrNotAuthorized) {
		return nil
	}
	if err != nil {
		return err
	}
	revoked := "yes"
	if err := t.revokeAtGoogle(ctx, tok.RefreshToken); err != nil {
		revoked = "unknown: " + err.Error()
	}
	t.mu.Lock()
	delete(t.sources, account)
	_, err = durable.Shred(t.path(account))
	t.mu.Unlock()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("drive: tokens: destroy %s: %w", account, err)
	}
	_, err = t.rec.Record(ctx, journal.Entry{Type: LeafRevoked, Case: caseID, Fields: map[string]any{
		"account": accountKind(account), "revoked_at_google": revoked == "yes", "reason": reason}})
	return err
}

func (t *Tokens) revokeAtGoogle(ctx context.Context, token string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.oauth.RevokeURL,
		strings.NewReader(url.Values{"token": {token}}.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := t.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusBadRequest { // 400: already invalid
		return fmt.Errorf("revocation endpoint answered %s", resp.Status)
	}
	return nil
}

// accountKind is what a leaf says of an account: studio or client (a case's account is named by the case).
func accountKind(account string) string {
	if account == StudioAccount {
		return "studio"
	}
	return "client"
}
