package android_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/attesta/attesta/capture/android"
)

// A crypt15 backup round trip: the demo generates a backup this way, and
// the technician's typed 64-digit key opens it.
func ExampleDecrypt() {
	ctx := context.Background()
	key, err := android.GenerateKey()
	if err != nil {
		log.Fatal(err)
	}
	db := append([]byte("SQLite format 3\x00"), make([]byte, 4080)...)
	var backup bytes.Buffer
	if _, err := android.EncryptCrypt15(ctx, &backup, bytes.NewReader(db), key, android.Crypt15Options{JIDSuffix: "46"}); err != nil {
		log.Fatal(err)
	}

	typed, err := android.ParseHexKey(key.RootHex())
	if err != nil {
		log.Fatal(err)
	}
	var out bytes.Buffer
	info, err := android.Decrypt(ctx, &backup, typed, &out)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.Format, info.Payload, info.Header.JIDSuffix, info.PlaintextSize, info.MD5Trailer)
	// Output: crypt15 sqlite 46 4096 true
}

func ExampleParseHexKey() {
	_, err := android.ParseHexKey("6730 a595 a148 4d0c 39c1 01dc 0ac8 2ec5 e401 bb6f 0e1b 8ee2 dc10 4a6b 3687 f01O")
	fmt.Println(err)
	// Output: parse hex key: character 'O' at position 79 is not a hex digit: malformed key
}
