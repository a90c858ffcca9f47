package report

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/evidence"
)

// chatCustody is the chain of custody of the report's chat: the acquisition's own actions and this chat's, as
// artifacts/custody.jsonl holds them.
func (r *renderer) chatCustody() []Action {
	return bundle.CustodyFor(r.in.Custody, r.in.Manifest.Chat.Phone)
}

// custody prints the chain of custody as short sentences: what was done, when, and where the journal records it.
// The full log is the appendix.
func (r *renderer) custody() {
	r.heading(r.t("SecCustody"), 0)
	actions := r.chatCustody()
	if len(actions) == 0 {
		r.para("", r.t("NoCustody"))
	} else {
		r.para("", r.t("CustodyIntro"))
		for _, s := range r.custodySentences(actions) {
			r.bullet(s)
		}
	}
	r.bullet(r.t("Custody.report", date(r.opts.Now)))
	if len(actions) > 0 {
		r.para("I", r.t("CustodyAppendix", len(actions), bundle.CustodyPath))
	}
}

// custodySentences sums the actions up: one sentence per kind of step, in the order each kind first happened.
func (r *renderer) custodySentences(actions []Action) []string {
	var s summary
	for _, a := range actions {
		f := a.Fields
		switch a.Action {
		case bundle.CustodyStart:
			s.add(r.t("Custody.start", date(a.At), r.lookup("Methods", f["method"]), f["leaf"]))
		case bundle.CustodyLinked:
			s.add(r.t("Custody.link", date(a.At), orUnknown(f["account"], r.t("Unknown")), f["build"]))
		case bundle.CustodyLinkLost:
			s.add(r.t("Custody.link-lost", date(a.At), f["chats"]))
		case bundle.CustodyLinkRefused:
			s.add(r.t("Custody.link-refused", date(a.At), f["linked"], f["expected"]))
		case bundle.CustodySealed:
			s.add(r.t("Custody.sealed", date(a.At), f["leaf"]))
		case bundle.CustodyReceived:
			s.add(r.t("Custody.backup-received", date(a.At), f["size"], f["sha256"], f["leaf"]))
		case bundle.CustodyCloud:
			s.add(r.cloudSentence(a))
		case bundle.CustodyMediaMissed:
			s.count(&s.missing, true)
		case bundle.CustodyArtifact:
			s.store(f["kind"], f["leaf"])
		case bundle.CustodyCapture:
			switch f["step"] {
			case "read-messages":
				n, _ := strconv.Atoi(f["loaded"])
				s.slot(&s.read)
				s.read.ok += n
			case "message-info":
				s.count(&s.info, f["found"] == "true")
			case "download-media":
				s.count(&s.media, f["ok"] == "true")
			case "video":
				if t, err := time.Parse(time.RFC3339Nano, f["started"]); err == nil {
					s.add(r.t("Custody.video", date(t), f["fps"]))
				}
			case "video-unavailable":
				s.add(r.t("Custody.no-video", r.lookup("VideoNot", f["reason"])))
			case "open-chat":
				if !s.opened {
					s.opened = true
					s.add(r.t("Custody.opened", date(a.At)))
				}
			}
		}
	}
	s.fill(s.read, r.t("Custody.read", s.read.ok))
	if s.info.no == 0 {
		s.fill(s.info, r.t("Custody.info-all", s.info.ok))
	} else {
		s.fill(s.info, r.t("Custody.info", s.info.ok, s.info.no))
	}
	s.fill(s.media, r.t("Custody.media", s.media.ok, s.media.no))
	s.fill(s.missing, r.t("Custody.media-missing", s.missing.ok))
	if s.stored.at > 0 {
		s.fill(s.stored.tally, upperFirst(r.t("Custody.stored", r.joinList(r.storedParts(s.stored)), r.leafRange(s.stored))))
	}
	return slices.DeleteFunc(s.out, func(x string) bool { return x == "" })
}

// summary collects the sentences of custodySentences; a counted kind of step keeps the place where it first
// happened (slot at) and gets its sentence once all are counted.
type summary struct {
	out                        []string
	read, info, media, missing tally
	stored                     storedTally
	opened                     bool
}

type tally struct{ ok, no, at int } // at is 1 + the slot in out; 0 before the first

type storedTally struct {
	tally
	kinds            []string
	byKind           map[string]int
	minLeaf, maxLeaf int64
}

func (s *summary) add(sentence string) { s.out = append(s.out, sentence) }

func (s *summary) slot(t *tally) {
	if t.at == 0 {
		s.out = append(s.out, "")
		t.at = len(s.out)
	}
}

func (s *summary) count(t *tally, ok bool) {
	s.slot(t)
	if ok {
		t.ok++
	} else {
		t.no++
	}
}

func (s *summary) fill(t tally, sentence string) {
	if t.at > 0 {
		s.out[t.at-1] = sentence
	}
}

func (s *summary) store(kind, leaf string) {
	st := &s.stored
	s.slot(&st.tally)
	if st.byKind == nil {
		st.byKind, st.minLeaf, st.maxLeaf = map[string]int{}, -1, -1
	}
	if st.byKind[kind] == 0 {
		st.kinds = append(st.kinds, kind)
	}
	st.byKind[kind]++
	if n, err := strconv.ParseInt(leaf, 10, 64); err == nil {
		if st.minLeaf < 0 || n < st.minLeaf {
			st.minLeaf = n
		}
		st.maxLeaf = max(st.maxLeaf, n)
	}
}

// storedParts counts the stored artifacts by kind: "8 schermate", "una pagina MHTML".
func (r *renderer) storedParts(st storedTally) []string {
	parts := make([]string, 0, len(st.kinds))
	for _, k := range st.kinds {
		n, key := st.byKind[k], "Count."+k
		switch {
		case n == 1 && catalog.Has(key+".1"):
			parts = append(parts, r.t(key+".1"))
		case catalog.Has(key):
			parts = append(parts, r.t(key, n))
		default:
			parts = append(parts, r.t("Count.other", n, k))
		}
	}
	return parts
}

func (r *renderer) leafRange(st storedTally) string {
	if st.minLeaf == st.maxLeaf {
		return strconv.FormatInt(st.minLeaf, 10)
	}
	return r.t("LeafRange", st.minLeaf, st.maxLeaf)
}

// joinList joins items as a sentence does: "a, b e c" / "a, b and c".
func (r *renderer) joinList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	and := " e "
	if r.opts.Lang == "en" {
		and = " and "
	}
	return strings.Join(items[:len(items)-1], ", ") + and + items[len(items)-1]
}

// Columns of the appendix table, in millimetres.
var appendixCols = []float64{30, 50, bodyW - 80}

// appendix prints the whole technical log of the chat, one row per action, with labels in the report's language.
func (r *renderer) appendix() {
	actions := r.chatCustody()
	if len(actions) == 0 {
		return
	}
	r.pdf.AddPage()
	r.font("B", 12.5)
	r.pdf.SetTextColor(20, 50, 90)
	r.multiCell(bodyW, 6.5, r.s(r.t("SecAppendix")))
	r.pdf.SetTextColor(0, 0, 0)
	r.pdf.Ln(1)
	r.para("I", r.t("AppendixNote", bundle.CustodyPath)+" "+r.t("SealedBeforeRender"))
	head := []string{r.t("Col.Time"), r.t("Col.Action"), r.t("Col.Detail")}
	r.tableHead(appendixCols, head)
	for i, a := range actions {
		if i%50 == 0 && r.ctx.Err() != nil {
			return
		}
		r.rowUnder(appendixCols, []string{a.At.In(evidence.Location()).Format("02/01 15:04:05"), r.actionLabel(a), r.actionDetail(a)}, head)
	}
}

// actionLabel names an action in the report's language.
func (r *renderer) actionLabel(a Action) string {
	switch {
	case a.Action == bundle.CustodyCapture && a.Fields["event"] == "anomaly":
		return r.t("Action.anomaly", r.lookup("Step", a.Fields["step"]))
	case a.Action == bundle.CustodyCapture && a.Fields["step"] != "":
		return r.lookup("Step", a.Fields["step"])
	case a.Action == bundle.CustodyCapture:
		return r.lookup("Action", a.Fields["event"])
	case catalog.Has("Action." + a.Action):
		return r.t("Action." + a.Action)
	}
	return r.t("Action.unknown", a.Action)
}

// actionDetail prints an action's fields as "label: value" pairs in key order. Error texts, which come from
// outside programs in their language, stay in custody.jsonl.
func (r *renderer) actionDetail(a Action) string {
	keys := make([]string, 0, len(a.Fields))
	for k := range a.Fields {
		if k != "event" && k != "step" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		v := a.Fields[k]
		switch k {
		case "error", "detail":
			v = r.t("ErrorKept")
		case "started", "ended":
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				v = date(t)
			}
		case "method":
			v = r.lookup("Methods", v)
		case "oldest":
			if sec, err := strconv.ParseInt(v, 10, 64); err == nil && sec > 0 {
				v = date(time.Unix(sec, 0))
			}
		default:
			v = r.lookup("Value", v)
		}
		parts = append(parts, r.lookup("Field", k)+": "+v)
	}
	return strings.Join(parts, "; ")
}

// upperFirst makes a sentence start with a capital letter.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// cloudSentence says one step of a cloud backup restored on the studio's lab phone: who, when, which phone.
func (r *renderer) cloudSentence(a Action) string {
	f := a.Fields
	switch f["step"] {
	case "wiped":
		return r.t("Custody.cloud.wiped", date(a.At), f["operator"], f["device"], f["leaf"])
	case "registering":
		return r.t("Custody.cloud.registering", date(a.At), f["operator"], f["device"], f["leaf"])
	case "code-relayed":
		return r.t("Custody.cloud.code-relayed", date(a.At), f["device"], f["leaf"])
	case "restored":
		return r.t("Custody.cloud.restored", date(a.At), f["operator"], f["device"], f["backup_date"], f["leaf"])
	}
	return r.t("Action.unknown", a.Action+" "+f["step"])
}

// cloudBackupDate is the date of the cloud backup the chat's evidence was restored from, as the chain of custody
// records it; "" when the evidence did not come from a cloud backup.
func (r *renderer) cloudBackupDate() string {
	for _, a := range r.chatCustody() {
		if a.Action == bundle.CustodyCloud && a.Fields["step"] == "restored" {
			return a.Fields["backup_date"]
		}
	}
	return ""
}
