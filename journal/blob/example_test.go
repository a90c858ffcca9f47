package blob_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/journal/blob/blobtest"
)

func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "blobs")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// In the appliance the key wrapper is the TPM.
	s, err := blob.Open(dir, blobtest.NewWrapper())
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	ref, err := s.Put(ctx, "case-42", strings.NewReader("screenshot bytes"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ref.SHA256, ref.Size)

	r, err := s.Open(ctx, "case-42", ref.SHA256)
	if err != nil {
		log.Fatal(err)
	}
	b, err := io.ReadAll(r)
	r.Close()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b))

	e, err := s.EraseCase(ctx, "case-42")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e.Blobs, e.KeyDestroyed, e.KeyID == ref.KeyID)
	// Output:
	// 01c3ff201b261a9d41650c8cfa4386af4b68568c27f666212d86f708a188d4b6 16
	// screenshot bytes
	// 1 true true
}
