package tsa

import (
	"bytes"
	"encoding/asn1"
	"fmt"
)

// ParseResponse decodes the DER of a TimeStampResp that answers req (the DER
// from [NewRequest]). It fails with a *StatusError when the TSA did not grant
// the request, and checks that the token stamps the request's message imprint,
// carries its nonce and, when the request named one, its policy.
//
// ParseResponse does not check the token's signature: call [VerifyToken] (the
// [Client] does both).
func ParseResponse(der, req []byte) (*Token, error) {
	tok, err := parseResponse(der, req)
	if err != nil {
		return nil, fmt.Errorf("tsa: parse response: %w", err)
	}
	return tok, nil
}

func parseResponse(der, req []byte) (*Token, error) {
	r, err := parseRequest(req)
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	tokDER, err := responseToken(der)
	if err != nil {
		return nil, err
	}
	tok, err := parseToken(tokDER)
	if err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	if err := tok.matches(r); err != nil {
		return nil, err
	}
	return tok, nil
}

// responseToken returns the TimeStampToken of a granted TimeStampResp.
func responseToken(der []byte) ([]byte, error) {
	var resp timeStampResp
	if err := unmarshalDER(der, &resp, "TimeStampResp"); err != nil {
		return nil, err
	}
	st := resp.Status
	if st.Status != StatusGranted && st.Status != StatusGrantedWithMods {
		return nil, &StatusError{Status: st.Status, Text: st.StatusString, FailInfo: failInfo(st.FailInfo)}
	}
	if len(resp.TimeStampToken.FullBytes) == 0 {
		return nil, fmt.Errorf("%w: TimeStampResp: status %s but no token", ErrMalformed, statusNames[st.Status])
	}
	return resp.TimeStampToken.FullBytes, nil
}

func failInfo(bits asn1.BitString) []string {
	var names []string
	for i := range bits.BitLength {
		if bits.At(i) == 0 {
			continue
		}
		if n, ok := failInfoNames[i]; ok {
			names = append(names, n)
		} else {
			names = append(names, fmt.Sprintf("bit %d", i))
		}
	}
	return names
}

// matches checks the token against the request it answers.
func (t *Token) matches(r *Request) error {
	if t.Hash != r.Hash || !bytes.Equal(t.Digest, r.Digest) {
		return fmt.Errorf("%w: token stamps %v %x, request %v %x", ErrImprintMismatch, t.Hash, t.Digest, r.Hash, r.Digest)
	}
	if r.Nonce != nil && (t.Nonce == nil || t.Nonce.Cmp(r.Nonce) != 0) {
		return fmt.Errorf("%w: token nonce %v, request nonce %v", ErrNonceMismatch, t.Nonce, r.Nonce)
	}
	if r.Policy != nil && !r.Policy.Equal(t.Policy) {
		return fmt.Errorf("%w: token policy %v, requested %v", ErrPolicyMismatch, t.Policy, r.Policy)
	}
	if r.CertReq && len(t.Certs) == 0 {
		return fmt.Errorf("%w: certificate requested but token carries none", ErrMalformed)
	}
	return nil
}
