package tsa

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors that callers branch on. Returned errors wrap them with the
// detail (which file, which field, what was expected).
var (
	// ErrMalformed: the bytes are not the DER structure they claim to be.
	ErrMalformed = errors.New("malformed")
	// ErrRejected: the TSA answered with a PKIStatus other than granted or
	// grantedWithMods; the error is a *StatusError.
	ErrRejected = errors.New("request rejected by the TSA")
	// ErrImprintMismatch: the token stamps another digest or hash algorithm.
	ErrImprintMismatch = errors.New("message imprint does not match")
	// ErrNonceMismatch: the token's nonce is not the request's.
	ErrNonceMismatch = errors.New("nonce does not match")
	// ErrPolicyMismatch: the token's policy is not the one requested.
	ErrPolicyMismatch = errors.New("policy does not match")
	// ErrBadSignature: the CMS signature, its signed attributes or the ESS
	// signing-certificate binding do not hold.
	ErrBadSignature = errors.New("bad token signature")
	// ErrUntrusted: the signer is not a time-stamping certificate that chains
	// to the given roots at the token's genTime.
	ErrUntrusted = errors.New("token signer not trusted")
	// ErrResponseTooLarge: the TSA's reply exceeds [MaxResponseSize].
	ErrResponseTooLarge = errors.New("response too large")
)

// PKIStatus values (RFC 3161 §2.4.2).
const (
	StatusGranted                = 0
	StatusGrantedWithMods        = 1
	StatusRejection              = 2
	StatusWaiting                = 3
	StatusRevocationWarning      = 4
	StatusRevocationNotification = 5
)

var statusNames = map[int]string{
	StatusGranted:                "granted",
	StatusGrantedWithMods:        "grantedWithMods",
	StatusRejection:              "rejection",
	StatusWaiting:                "waiting",
	StatusRevocationWarning:      "revocationWarning",
	StatusRevocationNotification: "revocationNotification",
}

// failInfoNames are the PKIFailureInfo bits RFC 3161 defines.
var failInfoNames = map[int]string{
	0:  "badAlg",
	2:  "badRequest",
	5:  "badDataFormat",
	14: "timeNotAvailable",
	15: "unacceptedPolicy",
	16: "unacceptedExtension",
	17: "addInfoNotAvailable",
	25: "systemFailure",
}

// StatusError is a TSA's refusal: its PKIStatus, free text and failure bits.
// errors.Is(err, ErrRejected) holds for it.
type StatusError struct {
	Status   int
	Text     []string // PKIFreeText, as sent
	FailInfo []string // names of the PKIFailureInfo bits set, "bit N" for unknown ones
}

func (e *StatusError) Error() string {
	name, ok := statusNames[e.Status]
	if !ok {
		name = "unknown"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%v: status %s (%d)", ErrRejected, name, e.Status)
	if len(e.FailInfo) > 0 {
		fmt.Fprintf(&b, ", failInfo %s", strings.Join(e.FailInfo, ","))
	}
	if len(e.Text) > 0 {
		fmt.Fprintf(&b, ", text %q", strings.Join(e.Text, "; "))
	}
	return b.String()
}

// Is makes errors.Is(err, ErrRejected) true.
func (e *StatusError) Is(target error) bool { return target == ErrRejected }
