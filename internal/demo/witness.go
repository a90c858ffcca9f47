package demo

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/attesta/attesta/witness"
)

// demoWitness is the demo's witness: our C2SP tlog-witness on loopback, its key and state in a folder of DIR, so
// that a second run goes on from what the first cosigned.
type demoWitness struct {
	s   *witness.Server
	url string
	srv *http.Server
}

func startWitness(ctx context.Context, dir string) (*demoWitness, error) {
	s, err := witness.NewServer(witness.ServerOptions{Dir: dir, Name: "witness.demo.attesta.local"})
	if err != nil {
		return nil, err
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			ln.Close()
		}
	}()
	return &demoWitness{s: s, url: "http://" + ln.Addr().String(), srv: srv}, nil
}

func (w *demoWitness) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = w.srv.Shutdown(ctx)
}
