// Package pades signs the report PDFs with the appliance's key (PAdES
// baseline B-B, or B-T with a signature time-stamp), extends them to B-LT
// and B-LTA once the TSA answers ([Archive]: a DSS dictionary with the
// validation data and a document time-stamp), and verifies those
// signatures and time-stamps offline in pure Go.
//
// # Signing
//
// [Sign] takes a finished PDF whose cross-references are classic xref
// tables (what the report renderer writes) and appends one incremental
// update; the original bytes are kept unchanged in front of it. The update
// holds, as new versions or new objects:
//
//   - the signature dictionary: /Type /Sig /Filter /Adobe.PPKLite
//     /SubFilter /ETSI.CAdES.detached, /ByteRange, /Contents, /M (the
//     claimed signing time, in UTC: D:YYYYMMDDHHmmSSZ), and /Name,
//     /Reason, /Location when given (printable ASCII as literal strings,
//     anything else UTF-16BE with a byte order mark);
//   - a signature field merged with its widget annotation: /FT /Sig, /T
//     "Signature<n>" (the first name not taken), /V the dictionary above,
//     /F 132 (print, locked). By default /Rect is [0 0 0 0] and the
//     signature is invisible (the report's own text says who signed it and
//     how to check). With [Options.Appearance] the widget gets the box
//     asked for and a normal appearance (/AP /N): a form XObject drawing a
//     grey box with a border and lines of Helvetica text, plus the font
//     dictionary (Type1 Helvetica, WinAnsiEncoding) it uses;
//   - the catalog, with /AcroForm gaining the field and /SigFlags 3
//     (signatures exist, append only), and the last page, with the widget
//     added to /Annots;
//   - an xref section for those objects and a trailer that repeats the
//     previous one with the new /Size and /Prev.
//
// /ByteRange is [0 a b c]: the signature covers the whole file except the
// hexadecimal /Contents string, from its '<' at offset a up to b (just
// after its '>'). /Contents holds the DER CMS, zero-padded to the space
// reserved ([Options.ContentsSize]).
//
// # The CMS (RFC 5652)
//
// A ContentInfo of type signedData, version 1, digest algorithm SHA-256,
// detached id-data content, the certificates of [Options.Chain] (leaf
// first) and one SignerInfo identified by issuer and serial number, with
// signed attributes content-type (id-data), message-digest (SHA-256 of the
// signed ranges) and ESS signing-certificate-v2 (RFC 5035: the SHA-256 of
// the signer certificate and its issuer and serial). There is no
// signing-time attribute: PAdES baseline forbids it and carries the claimed
// time in /M. The signature algorithm is ecdsa-with-SHA256 (ASN.1 DER
// signature value) for ECDSA keys, sha256WithRSAEncryption for RSA keys.
// With [Options.Timestamp], the RFC 3161 TimeStampToken over the signature
// value goes into the unsigned attribute id-aa-signatureTimeStampToken
// (1.2.840.113549.1.9.16.2.14).
//
// # Long-term validation
//
// [Archive] appends a second incremental update: a /DSS dictionary in the
// catalog (ETSI EN 319 142-1 §5.4.2) whose /Certs hold every certificate
// of the signatures and of their time-stamp tokens, and a document
// time-stamp (/Type /DocTimeStamp /SubFilter /ETSI.RFC3161, §5.4.3) whose
// /Contents is a bare RFC 3161 TimeStampToken over the SHA-256 of the
// file but /Contents. The appliance's certificate chains name no CRL
// distribution point and no OCSP responder, so the DSS carries no /CRLs
// or /OCSPs unless the caller supplies them, and no /VRI (optional).
// Archiving an archived file again is the B-LTA renewal.
//
// # PDF/A-3
//
// [PDFA3] turns the renderer's single-revision output into PDF/A-3B
// before it is signed (header, /ID, XMP with pdfaid, an sRGB output intent
// with the profile [SRGBProfile] computes, embedded files as associated
// files with /AF and /AFRelationship, printable annotations); signing and
// Archive then append incremental updates, which PDF/A allows. It lives
// here because this package holds the PDF object reader and writer.
//
// # Verifying
//
// [Verify] reads the xref chain from the last startxref, walks the
// AcroForm fields to the signature dictionaries and checks each signature;
// see its documentation for what is and is not checked. The CMS rules
// (signed attributes, allowed algorithms, ESS binding, time-stamp tokens)
// are internal/cms's, shared with bundle/tsa. Cross-reference
// streams and encrypted files are reported as [ErrUnsupported]: the
// appliance never produces them.
//
// # Versions
//
// The output follows ISO 32000 and ETSI EN 319 142-1 (PAdES baseline);
// what this package writes changes only in ways those standards allow, and
// Verify keeps accepting every earlier output.
package pades
