package web_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/attesta/attesta/capture/web"
	"github.com/attesta/attesta/evidence"
)

// A session: start Chromium, show the QR to the client, wait for the link, capture the list.
func Example() {
	ctx := context.Background()
	rec, err := web.NewDirRecorder("acquisition")
	if err != nil {
		log.Fatal(err)
	}
	b, err := web.StartBrowser(ctx, web.DefaultChromium)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	s, err := web.Open(ctx, b, "https://web.whatsapp.com/", web.Options{
		Recorder: rec,
		Progress: func(p web.Progress) { fmt.Println(p) },
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	qr, err := s.QR(ctx)
	if err != nil {
		log.Fatal(err)
	}
	os.WriteFile("qr.png", qr.PNG, 0o600) // shown to the client
	if err := s.WaitLinked(ctx); err != nil {
		log.Fatal(err)
	}
	list, err := evidence.ParseList(os.Stdin, evidence.ListOptions{})
	if err != nil {
		log.Fatal(err)
	}
	res, err := s.Capture(ctx, web.TargetsFromList(list, 10))
	for _, c := range res.Chats {
		fmt.Println(c.Target.Phone, c.Status, c.Reason)
	}
	if err != nil {
		log.Print(err) // ErrLinkLost: link again, then s.Resume(ctx, res)
	}
}
