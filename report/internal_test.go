package report

import "testing"

func TestPrintable(t *testing.T) {
	cov, err := fontCoverage()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ in, want string }{
		{"è à ù € «»", "è à ù € «»"},
		{"ok 😀", "ok [U+1F600]"},
		{"👍🏽 e 👨‍👩‍👧", "[U+1F44D U+1F3FD] e [U+1F468 U+200D U+1F469 U+200D U+1F467]"},
		{"a\r\nb\rc\td", "a\nb\nc    d"},
		{"bell\a", "bell[U+0007]"},
		{"bad \xff byte", "bad [U+FFFD] byte"},
		{"❤️", "[U+2764 U+FE0F]"},
	}
	for _, tt := range tests {
		if got := cov.printable(tt.in); got != tt.want {
			t.Errorf("printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
