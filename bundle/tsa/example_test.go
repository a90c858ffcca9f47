package tsa_test

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"log/slog"

	"github.com/attesta/attesta/bundle/tsa"
)

// The appliance queues the digest of each signed checkpoint and lets the
// queue stamp it whenever the TSA can be reached.
func ExampleQueue() {
	ctx := context.Background()
	roots := x509.NewCertPool() // the TSA's trust anchors, from the configuration
	q, err := tsa.OpenQueue("/var/lib/attesta/tsa", &tsa.Client{URL: "https://tsa.example/", Roots: roots})
	if err != nil {
		panic(err)
	}
	q.Logger = slog.Default()
	q.OnToken = func(id string, tok *tsa.Token) {
		slog.Info("stamped", "id", id, "gen_time", tok.GenTime) // journal it here
	}
	note := []byte("attesta/appliance-1\n42\n...\n")
	d := sha256.Sum256(note)
	if err := q.Enqueue(ctx, "checkpoint-42", d[:]); err != nil {
		panic(err)
	}
	go q.Run(ctx)
}
