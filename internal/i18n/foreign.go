package i18n

import (
	"strings"
	"unicode"
)

// Function words that mark a language; words both languages share are in neither list.
var markers = map[Lang]map[string]bool{
	IT: set("il lo la gli le un una uno del della dello dei delle degli al alla allo ai alle dal dalla dai " +
		"nel nella nei nelle sul sulla che non è sono era stato stata è ha hanno di da tra fra con su " +
		"questo questa questi quello quella si ma anche oppure ogni nessun nessuna messaggio messaggi " +
		"destinatario mittente letto consegnato inviato chiave firma foglia giornale relazione"),
	EN: set("the of and was were is are been has have had this that these those which with from by to " +
		"not no any every each it its their there be an on at or but message messages recipient sender " +
		"read delivered sent key signature leaf journal report"),
}

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// Foreign returns the lines of text that read as the other language than l (see the package documentation).
func Foreign(l Lang, text string) []string {
	other := EN
	if l == EN {
		other = IT
	}
	var out []string
	for _, line := range strings.Split(text, "\n") {
		own, foreign := count(markers[l], line), count(markers[other], line)
		if foreign >= 3 && foreign > own {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

func count(words map[string]bool, line string) int {
	n := 0
	for _, w := range strings.FieldsFunc(strings.ToLower(line), func(r rune) bool {
		return !unicode.IsLetter(r) && r != '\''
	}) {
		if words[w] {
			n++
		}
	}
	return n
}
