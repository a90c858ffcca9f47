package bundle

import (
	"errors"

	"github.com/attesta/attesta/journal/format"
)

// Sentinel errors. Errors returned by this package wrap one of these where a caller may branch on the condition,
// and name the file, path or field concerned.
var (
	// ErrInvalid reports a delivery that does not verify: Verify returns it, wrapped in an error naming the first
	// failed check and its file, together with the full Report.
	ErrInvalid = errors.New("delivery invalid")

	// ErrManifest reports a manifest that cannot be decoded or breaks a rule of attesta.manifest/v1.
	ErrManifest = errors.New("invalid manifest")

	// ErrProof reports a tlog-proof that does not follow c2sp.org/tlog-proof@v1 as this package writes it.
	ErrProof = format.ErrProof

	// ErrExists reports that the delivery folder or ZIP to be written already exists: deliveries are
	// never overwritten.
	ErrExists = errors.New("already exists")

	// ErrArtifact reports artifact bytes from the source that do not match the manifest's digest or size.
	ErrArtifact = errors.New("artifact does not match the manifest")

	// ErrSealMismatch reports a manifest that changed after Seal recorded it in the journal.
	ErrSealMismatch = errors.New("manifest differs from the sealed one")

	// ErrUnsafePath reports a path that would leave the delivery folder (zip-slip, "..", absolute, backslash) or
	// a file that is not a regular file (symlink, device).
	ErrUnsafePath = errors.New("unsafe path")
)
