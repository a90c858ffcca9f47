// Package tsa obtains and checks RFC 3161 time-stamp tokens for the
// appliance's checkpoints and report signatures, from the time-stamping
// authority (TSA) the studio configured — a qualified one in production.
//
// # What is stamped
//
// A SHA-256 digest, never the data: the digest of a signed checkpoint note or
// of a report signature. The TSA learns nothing but that digest. The codec
// also reads SHA-384 and SHA-512 imprints; a request may name SHA-1, but a
// token with a SHA-1 imprint or signature is refused. The [Client] asks for
// SHA-256 only.
//
// # What a token proves (legal caveat)
//
// A token proves that the digest existed no later than the token's genTime,
// within the stated accuracy, according to the TSA. It says nothing about
// when the data was created, nor about who made it. It is a qualified
// electronic time stamp under eIDAS (Reg. (EU) 910/2014, art. 41–42), with
// the presumption of accuracy of date and integrity that goes with it, only
// when the TSA is a qualified trust service listed as such on the EU Trusted
// List; [Token.QTSTStatement] reports only what the TSA claims in the token.
// While the appliance is offline, requests wait in the [Queue], so the proof
// is "no later than when the appliance got back online"; the TPM clock
// continuity in the journal covers the gap back to the event.
//
// # Codec
//
// [NewRequest] writes a TimeStampReq; [ParseResponse] reads a TimeStampResp,
// turns a refusal into a [*StatusError] (PKIStatus, text and failInfo) and
// checks that the token answers the request (message imprint, nonce,
// policy). [VerifyToken] checks a token on its own: the CMS SignedData
// signature over the TSTInfo, the content-type and message-digest signed
// attributes, the ESS signing-certificate(-v2) binding to the signer (hash,
// and issuer and serial when given), the stamped digest, a signer
// certificate whose only extended key usage is a critical timeStamping, and
// a chain to the given roots at genTime. Revocation is not checked.
//
// The token's CMS and TSTInfo are read and checked by internal/cms, the
// verifier the PAdES code shares, so a token is judged by the same rules in
// a report's signature and in a delivery's proofs. Requests and responses
// are this package's own, on encoding/asn1. Both read DER only: a token in
// BER (indefinite lengths) is rejected as malformed.
//
// # Client
//
// [Client.Timestamp] posts the request as application/timestamp-query and
// expects application/timestamp-reply (RFC 3161 §3.4), reads at most
// [MaxResponseSize] bytes, bounds the exchange by the context (or
// [DefaultTimeout]) and returns only verified tokens. Errors name the URL.
//
// # Queue on disk, version 1
//
// [Queue] keeps requests in one directory:
//
//	VERSION      "attesta.tsa-queue/v1\n"
//	<id>.tsq     the DER TimeStampReq, with its nonce (RFC 3161 §2.4.1)
//	<id>.tsr     the DER TimeStampResp, granted and verified (§2.4.2)
//	.tmp-*       a write in progress; removed when the queue is opened
//
// A request is pending while its .tsq has no .tsr. Ids are 1–128 characters
// of [A-Za-z0-9._-], not starting with a dot. Both files are written once,
// durably (temp file, fsync, link, fsync of the directory) and never
// overwritten or deleted by the queue; the retry resends the same .tsq, so
// that each pair checks with standard tools:
//
//	openssl ts -verify -queryfile <id>.tsq -in <id>.tsr -CAfile tsa-roots.pem
//
// VERSION names the layout. A change of layout gets a new VERSION and
// [OpenQueue] refuses a directory with a version it does not know
// ([ErrQueueVersion]). Files that cannot be read back are reported by
// [Queue.Damaged] and left in place, never silently dropped or replaced.
package tsa
