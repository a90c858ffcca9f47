package evidence

import (
	"strings"
	"unicode/utf8"
)

// decodeText returns data as a string without a UTF-8 BOM. Bytes that are not valid UTF-8 are read as
// Windows-1252, the encoding Italian spreadsheet programs save CSV in ("Niccolò" arrives as "Niccol\xf2").
func decodeText(data []byte) string {
	s := strings.TrimPrefix(string(data), "\uFEFF")
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < 0x80:
			b.WriteByte(c)
		case c < 0xa0:
			b.WriteRune(cp1252[c-0x80])
		default: // 0xA0..0xFF are Latin-1, which is Unicode's first 256 code points
			b.WriteRune(rune(c))
		}
	}
	return b.String()
}

// cp1252 maps Windows-1252's bytes 0x80..0x9F; its five undefined bytes become U+FFFD, which names refuse.
var cp1252 = [32]rune{
	'€', '\uFFFD', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\uFFFD', 'Ž', '\uFFFD',
	'\uFFFD', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\uFFFD', 'ž', 'Ÿ',
}
