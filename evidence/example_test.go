package evidence_test

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/attesta/attesta/evidence"
)

func ExampleParseList() {
	list := "numero: 3771151946 ; nominativo : emanuel celano ; messaggi : dal 12 gennaio al 14 gennaio\n" +
		"numero: 333 123 456x ; nominativo : maria rossi ; messaggi : dal 12 gennaio al 14 gennaio\n"
	now := time.Date(2026, 1, 20, 9, 0, 0, 0, evidence.Location())
	_, err := evidence.ParseList(strings.NewReader(list), evidence.ListOptions{Now: now})
	var le *evidence.LineError
	if errors.As(err, &le) {
		fmt.Println("refused:", le)
	}

	l, err := evidence.ParseList(strings.NewReader(strings.Split(list, "\n")[0]), evidence.ListOptions{Now: now})
	if err != nil {
		panic(err)
	}
	e := l.Entries[0]
	fmt.Println(e.Phone, e.Name, e.Range)
	// Output:
	// refused: line 2: numero: invalid phone number "333 123 456x": contains letters
	// +393771151946 emanuel celano 2026-01-12..2026-01-14
}

func ExampleCertify() {
	t := func(hhmm string) evidence.Time {
		v, _ := time.ParseInLocation("2006-01-02 15:04", "2026-01-14 "+hhmm, evidence.Location())
		return evidence.At(v)
	}
	text := func(s string) *string { return &s }
	history := []evidence.Message{
		{ID: "A1", FromMe: true, SentAt: t("10:00"), Type: evidence.TypeText, Text: text("Buongiorno"), Ack: evidence.AckRead, ReadAt: t("10:05")},
		{ID: "A2", FromMe: true, SentAt: t("11:00"), Type: evidence.TypeText, Text: text("Le invio il preventivo"), Ack: evidence.AckReceived},
		{ID: "A3", FromMe: true, SentAt: t("12:00"), Type: evidence.TypeText, Text: text("Mi conferma?"), Ack: evidence.AckSent},
		{ID: "B1", SentAt: evidence.At(t("23:59").Add(time.Hour)), Type: evidence.TypeText, Text: text("Ok")}, // the next day
	}
	chat := evidence.Chat{Phone: "+393771151946", Name: "Emanuel Celano", JID: "393771151946@c.us"}
	rng := evidence.Range{From: evidence.Date{Year: 2026, Month: 1, Day: 14}, To: evidence.Date{Year: 2026, Month: 1, Day: 14}}
	sel := evidence.Certify(chat, history, rng, 5)
	for _, v := range sel.Verdicts {
		fmt.Println(v.MessageID, v.Status, v.LegalValue.Basis, v.Reason)
	}
	fmt.Println(len(sel.Messages), "messages in the delivery")
	fmt.Println(evidence.FolderName(chat.Phone, time.Date(2026, 1, 15, 8, 0, 0, 0, time.UTC)))
	// Output:
	// A1 read read read
	// A2 delivered reply reply
	// A3 sent none not-delivered
	// 4 messages in the delivery
	// 3771151946-15-gennaio-2026
}
