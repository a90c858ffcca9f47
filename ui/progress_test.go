package ui

import "testing"

func TestProgressText(t *testing.T) {
	for _, tc := range []struct{ it, en string }{
		{"chat 2 di 7: lettura dei messaggi", "chat 2 of 7: reading the messages"},
		{"chat 7 di 7: non trovata", "chat 7 of 7: not found"},
		{"completata: 6 chat su 7 consegnate", "done: 6 of 7 chats delivered"},
		{"interrotta: 0 chat su 3 consegnate (ripresa come sessione j0a1)", "interrupted: 0 of 3 chats delivered (resumed as job j0a1)"},
		{"inquadrare il codice QR con il telefono del cliente", "scan the QR code with the client's phone"},
		{"nuovo codice QR", "new QR code"},
		{"chat 1 di 2: una fase che non conosce", "chat 1 of 2: una fase che non conosce"}, // shown as it came
		{"<b>qualcosa</b>", "<b>qualcosa</b>"},
	} {
		if got := ProgressText(English, tc.it); got != tc.en {
			t.Errorf("ProgressText(en, %q) = %q, want %q", tc.it, got, tc.en)
		}
		if got := ProgressText(Italian, tc.it); got != tc.it {
			t.Errorf("ProgressText(it, %q) = %q, want it unchanged", tc.it, got)
		}
	}
}
