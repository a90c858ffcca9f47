package webtest

import (
	"testing"
)

func BenchmarkGenerate50x20(b *testing.B) {
	for b.Loop() {
		Generate(50, 20, 1)
	}
}

func BenchmarkLoadScenario50x20(b *testing.B) {
	data, err := Generate(50, 20, 1).Marshal()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := LoadScenario(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkServePage50x20 measures what linking costs the server: media
// encryption at start and the page data the app fetches.
func BenchmarkServePage50x20(b *testing.B) {
	sc := Generate(50, 20, 1)
	for b.Loop() {
		s, err := newServer(sc)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.buildPage(nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadBasic(b *testing.B) {
	data, _ := DefaultScenarioBytes("basic")
	for b.Loop() {
		sc, err := LoadScenario(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := newServer(sc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkModuleLayerRead50x20 reads a 50-chat × 20-message account the way
// the capture does: every loaded message, and the message info of each own
// message, through the module layer of a real Chromium.
func BenchmarkModuleLayerRead50x20(b *testing.B) {
	s := newTestServer(b, Generate(50, 20, 1))
	tb := openTab(b, s)
	tb.link()
	const readAll = `(async () => { let n = 0;
	for (const c of require('WAWebCollections').Chat.getModelsArray()) {
		for (const m of c.msgs.getModelsArray()) {
			n++;
			if (m.id.fromMe) await require('WAWebApiMessageInfoStore').queryMsgInfo(m.id).catch(() => null);
		}
	}
	return n; })()`
	for b.Loop() {
		if n := eval[int](tb, readAll); n == 0 {
			b.Fatal("no messages")
		}
	}
}
