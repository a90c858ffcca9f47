package desk

import (
	"testing"

	"github.com/attesta/attesta/ui"
)

// TestProgressVocabularyTranslates checks that every progress word a job publishes has an English translation in
// the UI, so that an English screen shows no Italian step.
func TestProgressVocabularyTranslates(t *testing.T) {
	var words []string
	for _, m := range []map[string]string{stageText, jobStateText} {
		for _, v := range m {
			words = append(words, v)
		}
	}
	for _, v := range chatStatusText {
		words = append(words, v)
	}
	words = append(words, "estrazione dal telefono", "copia dei backup dal telefono", "conservazione del backup",
		"decifratura del backup", "consegna")
	for _, w := range words {
		if ui.ProgressText(ui.English, w) == w {
			t.Errorf("progress word %q has no English in the UI", w)
		}
	}
}
