package format

import (
	"fmt"
	"slices"
	"time"
)

// TypeDelivery is the leaf type that records a delivery folder (package bundle).
const TypeDelivery = "delivery"

// DeliveryFormat is the "format" field of a delivery leaf: the version of the manifest it records, and so of the
// leaf's own fields. A delivery leaf of another format is not a [Delivery].
const DeliveryFormat = "attesta.manifest/v1"

// deliveryFields are the fields of a delivery leaf of format DeliveryFormat, no more and no fewer.
var deliveryFields = []string{"acquisition", "format", "manifest_sha256", "manifest_size", "sums_sha256"}

// Artifact is a leaf of type [TypeArtifact]: a blob of a case, by the SHA-256 and size of its plaintext. The leaf
// may carry other fields (what the artifact is); they are not part of this type.
type Artifact struct {
	Case   string
	SHA256 string // 64 lower-case hex digits
	Size   int64
}

// ArtifactOf reads the typed fields of an artifact leaf. Errors wrap ErrInvalidLeaf.
func ArtifactOf(e Entry) (Artifact, error) {
	if e.Type != TypeArtifact {
		return Artifact{}, fmt.Errorf("journal: artifact leaf: %w: type %q", ErrInvalidLeaf, e.Type)
	}
	if err := checkTypeFields(e.Type, e.Case, field(e)); err != nil {
		return Artifact{}, fmt.Errorf("journal: artifact leaf: %w: %v", ErrInvalidLeaf, err)
	}
	n, _ := asInt64(e.Fields["size"])
	return Artifact{Case: e.Case, SHA256: e.Fields["sha256"].(string), Size: n}, nil
}

// Delivery is a leaf of type [TypeDelivery], format [DeliveryFormat]: it commits to a delivery's manifest body
// (the bytes of manifest.json before its "journal" member) and to its SHA256SUMS, which lists every other file.
type Delivery struct {
	Case           string // the case, "" for none
	Acquisition    string // the acquisition id
	ManifestSHA256 string // SHA-256 of the manifest body, lower-case hex
	ManifestSize   int64  // length of the manifest body in bytes
	SumsSHA256     string // SHA-256 of SHA256SUMS, lower-case hex
}

// Entry returns the journal entry that records d at time t (zero: the journal's clock).
func (d Delivery) Entry(t time.Time) Entry {
	return Entry{Type: TypeDelivery, Case: d.Case, Time: t, Fields: map[string]any{
		"format":          DeliveryFormat,
		"acquisition":     d.Acquisition,
		"manifest_sha256": d.ManifestSHA256,
		"manifest_size":   d.ManifestSize,
		"sums_sha256":     d.SumsSHA256,
	}}
}

// DeliveryOf reads a delivery leaf strictly: type [TypeDelivery], "format" [DeliveryFormat], exactly the fields
// of that format with their types (digests as 64 lower-case hex digits, the size an integer ≥ 0). Errors wrap
// ErrInvalidLeaf and name the field at fault.
func DeliveryOf(e Entry) (Delivery, error) {
	fail := func(format string, args ...any) (Delivery, error) {
		return Delivery{}, fmt.Errorf("journal: delivery leaf: %w: %s", ErrInvalidLeaf, fmt.Sprintf(format, args...))
	}
	if e.Type != TypeDelivery {
		return fail("type %q, want %q", e.Type, TypeDelivery)
	}
	if f := e.Fields["format"]; f != DeliveryFormat {
		return fail("field \"format\" is %v, want %q", f, DeliveryFormat)
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, deliveryFields) {
		return fail("fields %q, want %q", keys, deliveryFields)
	}
	d := Delivery{Case: e.Case}
	var ok bool
	if d.Acquisition, ok = e.Fields["acquisition"].(string); !ok || d.Acquisition == "" {
		return fail("field \"acquisition\": want a non-empty string")
	}
	for k, dst := range map[string]*string{"manifest_sha256": &d.ManifestSHA256, "sums_sha256": &d.SumsSHA256} {
		if *dst, ok = e.Fields[k].(string); !ok || !isLowerHex(*dst, 64) {
			return fail("field %q: want 64 lower-case hex digits", k)
		}
	}
	if d.ManifestSize, ok = asInt64(e.Fields["manifest_size"]); !ok || d.ManifestSize < 0 {
		return fail("field \"manifest_size\": want an integer ≥ 0")
	}
	return d, nil
}

func field(e Entry) func(string) (any, bool) {
	return func(k string) (any, bool) { v, ok := e.Fields[k]; return v, ok }
}
