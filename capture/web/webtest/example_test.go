package webtest_test

import (
	"fmt"
	"time"

	"github.com/attesta/attesta/capture/web/webtest"
)

// A test builds the account it needs, starts the replica and points a
// browser at s.URL(); s.Scan() stands in for the phone scanning the QR.
func ExampleNewBuilder() {
	t0 := time.Date(2026, 1, 12, 9, 30, 0, 0, time.UTC)
	b := webtest.NewBuilder("reply").Language("en")
	c := b.Chat("393771151946@c.us", "Emanuel Celano").LID("100200300400500@lid")
	out := c.Out("3EB0AA01", t0, "Please pay by Friday").Delivered(t0.Add(5 * time.Second))
	c.In("A5F3B2C1", t0.Add(2*time.Hour), "I will").Quote(out.ID())
	sc, err := b.Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	s := webtest.NewServer(sc)
	defer s.Close()
	s.Scan()
	fmt.Println(len(sc.Chats[0].Messages), sc.Chats[0].Messages[0].Ack, s.Linked(), len(s.Receipts()))
	// Output: 2 2 true 0
}
