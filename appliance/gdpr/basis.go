package gdpr

import (
	"fmt"
	"slices"
)

// Basis is a lawful basis of processing a studio offers when a case is opened.
type Basis struct {
	ID string `json:"id"` // stable, e.g. "legal-claims"
	IT string `json:"it"` // as the notice, the report and the register name it, in Italian
	EN string `json:"en"` // and in English
}

// Label returns the basis in lang ("en" or Italian for anything else).
func (b Basis) Label(lang string) string {
	if lang == "en" && b.EN != "" {
		return b.EN
	}
	return b.IT
}

// The default bases' ids: a case's correspondents are processed for the defence of legal claims, its client under
// the contract.
const (
	BasisLegalClaims = "legal-claims"
	BasisContract    = "contract"
)

// DefaultBases is the list a studio starts with.
func DefaultBases() []Basis {
	return []Basis{
		{ID: BasisLegalClaims,
			IT: "accertamento, esercizio o difesa di un diritto in sede giudiziaria (art. 6(1)(f) e 9(2)(f) GDPR)",
			EN: "establishment, exercise or defence of legal claims (GDPR art. 6(1)(f) and 9(2)(f))"},
		{ID: BasisContract,
			IT: "esecuzione del contratto con il cliente (art. 6(1)(b) GDPR)",
			EN: "performance of the contract with the client (GDPR art. 6(1)(b))"},
		{ID: "legal-obligation",
			IT: "adempimento di un obbligo legale del titolare (art. 6(1)(c) GDPR)",
			EN: "compliance with a legal obligation of the controller (GDPR art. 6(1)(c))"},
		{ID: "consent",
			IT: "consenso espresso dell'interessato (art. 6(1)(a) e 9(2)(a) GDPR)",
			EN: "the data subject's explicit consent (GDPR art. 6(1)(a) and 9(2)(a))"},
	}
}

// Settings are what a studio configures about data protection. Empty fields take the defaults.
type Settings struct {
	Studio   string  `json:"studio"`    // the controller, as the notice names it
	NoticeIT string  `json:"notice_it"` // the information notice, with placeholders; see [Render]
	NoticeEN string  `json:"notice_en"`
	Bases    []Basis `json:"bases"` // the bases a case may name; default [DefaultBases]
}

// WithDefaults returns s with its empty fields set to the defaults.
func (s Settings) WithDefaults() Settings {
	if s.Studio == "" {
		s.Studio = "lo studio"
	}
	if s.NoticeIT == "" {
		s.NoticeIT = DefaultNoticeIT
	}
	if s.NoticeEN == "" {
		s.NoticeEN = DefaultNoticeEN
	}
	if len(s.Bases) == 0 {
		s.Bases = DefaultBases()
	}
	return s
}

// Validate checks a studio's settings: bases with an id and an Italian label, no id twice.
func (s Settings) Validate() error {
	seen := map[string]bool{}
	for i, b := range s.Bases {
		if b.ID == "" || b.IT == "" {
			return fmt.Errorf("gdpr: basis %d: an id and an Italian label are required", i)
		}
		if seen[b.ID] {
			return fmt.Errorf("gdpr: basis %q twice", b.ID)
		}
		seen[b.ID] = true
	}
	return nil
}

// Basis returns the basis with id from the settings (defaults applied).
func (s Settings) Basis(id string) (Basis, bool) {
	bases := s.WithDefaults().Bases
	i := slices.IndexFunc(bases, func(b Basis) bool { return b.ID == id })
	if i < 0 {
		return Basis{}, false
	}
	return bases[i], true
}
