package webtest

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Generate makes a deterministic scenario of chats chats with msgsPerChat
// messages each (the benchmark load is 50 × 20): a mix of own and incoming
// text, images, voice notes and documents, with acks and message info that
// agree, some unread chats and some older history behind loadEarlierMsgs.
// The same arguments always give the same scenario.
func Generate(chats, msgsPerChat int, seed int64) *Scenario {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	b := NewBuilder(fmt.Sprintf("generated-%dx%d-%d", chats, msgsPerChat, seed))
	base := time.Date(2026, 1, 12, 8, 0, 0, 0, time.UTC)
	for i := range chats {
		phone := fmt.Sprintf("39347%07d", 1000000+i)
		c := b.Chat(phone+"@c.us", fmt.Sprintf("Cliente %03d", i+1)).PageSize(5)
		if i%5 == 4 {
			c.LID(fmt.Sprintf("%015d@lid", 100000000000000+i))
		}
		t := base.Add(time.Duration(i) * time.Minute)
		lastIncoming := 0
		for j := range msgsPerChat {
			t = t.Add(time.Duration(5+rng.IntN(240)) * time.Minute)
			id := fmt.Sprintf("3EB0%08X%08X", i, j)
			m := generateMessage(c, rng, id, t, j%3 != 2)
			if j < msgsPerChat/4 {
				m.History(HistoryEarlier)
			} else if !m.msg().FromMe {
				lastIncoming++
			}
		}
		if i%7 == 3 && lastIncoming > 0 {
			c.Unread(1)
		}
	}
	return b.MustBuild()
}

func generateMessage(c *ChatBuilder, rng *rand.Rand, id string, t time.Time, fromMe bool) *MsgBuilder {
	kind := rng.IntN(10)
	var m *MsgBuilder
	switch {
	case kind == 0:
		md := Media{Mimetype: "image/jpeg", Size: int64(1024 + rng.IntN(4096))}
		if fromMe {
			m = c.OutMedia(id, t, TypeImage, md)
		} else {
			m = c.InMedia(id, t, TypeImage, md)
		}
		m.Caption("foto " + id[len(id)-4:])
	case kind == 1:
		md := Media{Mimetype: "audio/ogg; codecs=opus", Size: int64(512 + rng.IntN(2048)), Duration: 1 + rng.IntN(59)}
		if fromMe {
			m = c.OutMedia(id, t, TypePTT, md)
		} else {
			m = c.InMedia(id, t, TypePTT, md)
		}
	case fromMe:
		m = c.Out(id, t, "messaggio "+id)
	default:
		m = c.In(id, t, "risposta "+id)
	}
	if !fromMe {
		return m
	}
	switch r := rng.IntN(10); {
	case r < 5:
		m.Delivered(t.Add(3 * time.Second)).Read(t.Add(time.Duration(1+rng.IntN(600)) * time.Second))
	case r < 8:
		m.Delivered(t.Add(3 * time.Second))
	case r < 9:
		m.NoInfo().Ack(AckPending)
	}
	return m
}
