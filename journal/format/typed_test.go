package format

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// deliveryLeaf is a delivery leaf as package bundle has always written it (keys sorted, canonical JSON).
const deliveryLeaf = `{"acquisition":"acq-1","case":"case-9","format":"attesta.manifest/v1",` +
	`"manifest_sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","manifest_size":1234,"seq":7,` +
	`"sums_sha256":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",` +
	`"time":"2026-01-15T10:00:00.000000000Z","type":"delivery","v":1}`

func TestDeliveryLeafBytes(t *testing.T) {
	d := Delivery{Case: "case-9", Acquisition: "acq-1", ManifestSHA256: strings.Repeat("a", 64), ManifestSize: 1234,
		SumsSHA256: strings.Repeat("b", 64)}
	data, err := EncodeLeaf(7, d.Entry(time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != deliveryLeaf {
		t.Fatalf("encoded\n%s\nwant\n%s", data, deliveryLeaf)
	}
	seq, e, err := DecodeLeaf(data)
	if err != nil || seq != 7 {
		t.Fatalf("DecodeLeaf: %d, %v", seq, err)
	}
	got, err := DeliveryOf(e)
	if err != nil || got != d {
		t.Fatalf("DeliveryOf: %+v, %v; want %+v", got, err, d)
	}
}

func TestDeliveryOfRefuses(t *testing.T) {
	_, good, err := DecodeLeaf([]byte(deliveryLeaf))
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(map[string]any)) Entry {
		e := good
		e.Fields = map[string]any{}
		for k, v := range good.Fields {
			e.Fields[k] = v
		}
		f(e.Fields)
		return e
	}
	other := good
	other.Type = "artifact"
	tests := []struct {
		name string
		e    Entry
		want string
	}{
		{"other type", other, "type"},
		{"other format", edit(func(m map[string]any) { m["format"] = "attesta.manifest/v2" }), `"format"`},
		{"extra field", edit(func(m map[string]any) { m["report_sha256"] = "x" }), "fields"},
		{"missing field", edit(func(m map[string]any) { delete(m, "sums_sha256") }), "fields"},
		{"empty acquisition", edit(func(m map[string]any) { m["acquisition"] = "" }), `"acquisition"`},
		{"upper-case digest", edit(func(m map[string]any) { m["manifest_sha256"] = strings.Repeat("A", 64) }), `"manifest_sha256"`},
		{"short digest", edit(func(m map[string]any) { m["sums_sha256"] = "abc" }), `"sums_sha256"`},
		{"negative size", edit(func(m map[string]any) { m["manifest_size"] = int64(-1) }), `"manifest_size"`},
		{"size as string", edit(func(m map[string]any) { m["manifest_size"] = "12" }), `"manifest_size"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DeliveryOf(tt.e)
			if !errors.Is(err, ErrInvalidLeaf) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("DeliveryOf: %v, want ErrInvalidLeaf naming %s", err, tt.want)
			}
		})
	}
}

func TestArtifactOf(t *testing.T) {
	e := Entry{Type: TypeArtifact, Case: "c", Fields: map[string]any{"sha256": strings.Repeat("0", 64), "size": int64(5), "kind": "media"}}
	a, err := ArtifactOf(e)
	if err != nil || a != (Artifact{Case: "c", SHA256: strings.Repeat("0", 64), Size: 5}) {
		t.Fatalf("ArtifactOf: %+v, %v", a, err)
	}
	e.Fields["size"] = int64(-1)
	if _, err := ArtifactOf(e); !errors.Is(err, ErrInvalidLeaf) {
		t.Fatalf("negative size: %v", err)
	}
	if _, err := ArtifactOf(Entry{Type: TypeErasure, Case: "c"}); !errors.Is(err, ErrInvalidLeaf) {
		t.Fatalf("erasure as artifact: %v", err)
	}
}
