package evidence

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits of an acquisition list.
const (
	MaxListChats = 50      // chats per list, as sold
	MaxListBytes = 1 << 20 // a 50-line list is a few kilobytes; anything this large is not a list
	maxNameRunes = 120     // a nominativo longer than this is not a name
	maxLineErrs  = 100     // line errors reported before summarizing the rest
)

// Errors of list import. Each bad line is a [*LineError] wrapping one of these (or ErrPhone, ErrDate, ErrRange).
var (
	ErrListSyntax    = errors.New("not a list line")
	ErrListName      = errors.New("invalid nominativo")
	ErrDuplicate     = errors.New("number already in the list")
	ErrTooManyChats  = errors.New("too many chats")
	ErrEmptyList     = errors.New("acquisition list has no chats")
	ErrListTooLarge  = errors.New("acquisition list too large")
	ErrTooManyErrors = errors.New("too many bad lines")
)

// ListOptions are the settings of [ParseList].
type ListOptions struct {
	Now            time.Time // the day the list is read: the year of dates without one; zero means time.Now()
	DefaultCountry string    // calling code of numbers written without a prefix; "" means "39"
	MaxChats       int       // chats allowed; 0 or more than MaxListChats means MaxListChats, the contract's limit
}

// List is an acquisition list, every line valid.
type List struct {
	Form    ListForm
	Entries []ListEntry
}

// ListForm is how a list was written.
type ListForm string

// List forms.
const (
	FormCSV  ListForm = "csv"  // header numero;nominativo;dal;al
	FormText ListForm = "text" // numero: …; nominativo: …; messaggi: dal … al …
)

// ListEntry is one chat to acquire.
type ListEntry struct {
	Line  int    // line number in the list, from 1
	Phone string // E.164
	Name  string // the nominativo, spaces collapsed
	Range Range  // whole days in Europe/Rome, From ≤ To
}

// LineError is a bad line of an acquisition list.
type LineError struct {
	Line int // from 1
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns the cause, so that errors.Is finds ErrPhone, ErrDate and the like.
func (e *LineError) Unwrap() error { return e.Err }

// ParseList reads an acquisition list in either form (see the package documentation). It is all or nothing: when
// any line is bad, it returns no list and every bad line's [*LineError], joined with errors.Join in line order.
// Blank lines and lines starting with # are skipped.
func ParseList(r io.Reader, opts ListOptions) (List, error) {
	opts = opts.withDefaults()
	data, err := io.ReadAll(io.LimitReader(r, MaxListBytes+1))
	if err != nil {
		return List{}, fmt.Errorf("evidence: read acquisition list: %w", err)
	}
	if len(data) > MaxListBytes {
		return List{}, fmt.Errorf("evidence: %w: more than %d bytes", ErrListTooLarge, MaxListBytes)
	}
	p := listParser{opts: opts, seen: make(map[string]int)}
	p.parse(splitLines(decodeText(data)))
	if len(p.errs) > 0 {
		return List{}, errors.Join(p.errs...)
	}
	if len(p.list.Entries) == 0 {
		return List{}, fmt.Errorf("evidence: %w", ErrEmptyList)
	}
	return p.list, nil
}

func (o ListOptions) withDefaults() ListOptions {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.DefaultCountry == "" {
		o.DefaultCountry = "39"
	}
	if o.MaxChats <= 0 || o.MaxChats > MaxListChats {
		o.MaxChats = MaxListChats
	}
	return o
}

type listParser struct {
	opts    ListOptions
	list    List
	sep     rune           // CSV separator once a header is seen
	columns [4]int         // CSV: the field holding numero, nominativo, dal, al
	seen    map[string]int // E.164 → line of its first appearance
	chats   int            // content lines so far, good or bad
	errs    []error
	dropped int // bad lines beyond maxLineErrs
}

func (p *listParser) parse(lines []string) {
	for i, line := range lines {
		n := i + 1
		if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if p.list.Form == "" {
			if sep, columns, ok := csvHeader(line); ok {
				p.list.Form, p.sep, p.columns = FormCSV, sep, columns
				continue
			}
			p.list.Form = FormText
		}
		p.chats++
		if p.chats == p.opts.MaxChats+1 {
			p.fail(n, fmt.Errorf("%w: more than %d in one list", ErrTooManyChats, p.opts.MaxChats))
		}
		e, err := p.entry(line)
		if err != nil {
			p.fail(n, err)
			continue
		}
		if first, dup := p.seen[e.Phone]; dup {
			p.fail(n, fmt.Errorf("%w: %s is on line %d too", ErrDuplicate, e.Phone, first))
			continue
		}
		p.seen[e.Phone] = n
		e.Line = n
		p.list.Entries = append(p.list.Entries, e)
	}
	if p.dropped > 0 {
		p.errs = append(p.errs, fmt.Errorf("evidence: %w: %d more not shown", ErrTooManyErrors, p.dropped))
	}
}

func (p *listParser) fail(line int, err error) {
	if len(p.errs) >= maxLineErrs {
		p.dropped++
		return
	}
	p.errs = append(p.errs, &LineError{Line: line, Err: err})
}

func (p *listParser) entry(line string) (ListEntry, error) {
	var phone, name, from, to string
	var err error
	if p.list.Form == FormCSV {
		phone, name, from, to, err = csvFields(line, p.sep, p.columns)
	} else {
		phone, name, from, to, err = textFields(line)
	}
	if err != nil {
		return ListEntry{}, err
	}
	var e ListEntry
	if e.Phone, err = NormalizePhone(phone, p.opts.DefaultCountry); err != nil {
		return ListEntry{}, fmt.Errorf("numero: %w", err)
	}
	if e.Name, err = cleanName(name); err != nil {
		return ListEntry{}, err
	}
	f, err := parseListDate(normalizeSpace(strings.ToLower(from)))
	if err != nil {
		return ListEntry{}, fmt.Errorf("dal: %w", err)
	}
	t, err := parseListDate(normalizeSpace(strings.ToLower(to)))
	if err != nil {
		return ListEntry{}, fmt.Errorf("al: %w", err)
	}
	if e.Range, err = listRange(f, t, p.opts.Now); err != nil {
		return ListEntry{}, err
	}
	return e, nil
}

var csvColumns = []string{"numero", "nominativo", "dal", "al"}

// csvHeader recognizes the header line, its separator (';' or ',') and its column order: the four names in any
// order, any case.
func csvHeader(line string) (sep rune, columns [4]int, ok bool) {
	for _, sep := range []rune{';', ','} {
		fields, err := splitCSV(line, sep)
		if err != nil || len(fields) != len(csvColumns) {
			continue
		}
		found := 0
		for i, f := range fields {
			for c, name := range csvColumns {
				if strings.EqualFold(normalizeSpace(f), name) && found&(1<<c) == 0 {
					columns[c], found = i, found|1<<c
				}
			}
		}
		if found == 1<<len(csvColumns)-1 {
			return sep, columns, true
		}
	}
	return 0, columns, false
}

func csvFields(line string, sep rune, columns [4]int) (phone, name, from, to string, err error) {
	fields, err := splitCSV(line, sep)
	if err != nil {
		return "", "", "", "", fmt.Errorf("%w: %v", ErrListSyntax, err)
	}
	if len(fields) != len(csvColumns) {
		return "", "", "", "", fmt.Errorf("%w: %d fields, want 4 (numero%cnominativo%cdal%cal)",
			ErrListSyntax, len(fields), sep, sep, sep)
	}
	return fields[columns[0]], fields[columns[1]], fields[columns[2]], fields[columns[3]], nil
}

// splitCSV splits one line, honouring double quotes, and drops the empty trailing fields spreadsheets add.
func splitCSV(line string, sep rune) ([]string, error) {
	r := csv.NewReader(strings.NewReader(line))
	r.Comma, r.FieldsPerRecord, r.TrimLeadingSpace = sep, -1, true
	fields, err := r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("column %d: %w", pe.Column, pe.Err)
		}
		return nil, err
	}
	if _, err := r.Read(); err != io.EOF {
		return nil, errors.New("quoted field spans lines")
	}
	for len(fields) > 0 && strings.TrimSpace(fields[len(fields)-1]) == "" {
		fields = fields[:len(fields)-1]
	}
	return fields, nil
}

// textKeys maps the keys of the free-text form, and the words clients use for them, to the field they fill.
var textKeys = map[string]string{
	"numero": "numero", "telefono": "numero", "cellulare": "numero", "numero di telefono": "numero",
	"nominativo": "nominativo", "nome": "nominativo",
	"messaggi": "messaggi", "periodo": "messaggi",
}

const textForm = "want numero: …; nominativo: …; messaggi: dal … al … " +
	"(or a CSV header numero;nominativo;dal;al)"

func textFields(line string) (phone, name, from, to string, err error) {
	got := make(map[string]string)
	for _, part := range strings.Split(line, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		key, value, err := textField(part)
		if err != nil {
			return "", "", "", "", err
		}
		if got[key] != "" {
			return "", "", "", "", fmt.Errorf("%w: %s given twice", ErrListSyntax, key)
		}
		got[key] = value
	}
	for _, key := range []string{"numero", "nominativo", "messaggi"} {
		if got[key] == "" {
			return "", "", "", "", fmt.Errorf("%w: %s missing; %s", ErrListSyntax, key, textForm)
		}
	}
	from, to, err = splitPeriod(got["messaggi"])
	return got["numero"], got["nominativo"], from, to, err
}

// textField reads one "key: value" part of a text line.
func textField(part string) (key, value string, err error) {
	shown := clip(strings.TrimSpace(part))
	k, v, ok := strings.Cut(part, ":")
	key, known := textKeys[strings.ToLower(normalizeSpace(k))]
	value = normalizeSpace(v)
	switch {
	case !ok:
		return "", "", fmt.Errorf("%w: %q has no ':'; %s", ErrListSyntax, shown, textForm)
	case strings.Contains(v, ":"):
		return "", "", fmt.Errorf("%w: %q holds more than one field; separate them with ';'", ErrListSyntax, shown)
	case !known:
		return "", "", fmt.Errorf("%w: unknown key %q; %s", ErrListSyntax, clip(normalizeSpace(k)), textForm)
	case value == "":
		return "", "", fmt.Errorf("%w: %s is empty", ErrListSyntax, key)
	}
	return key, value, nil
}

// splitPeriod splits "dal 12 gennaio al 14 gennaio" (also "dall'8 marzo all'11 marzo", "da … a …").
func splitPeriod(s string) (from, to string, err error) {
	l := strings.ReplaceAll(strings.ToLower(s), "’", "'")
	var rest string
	for _, p := range []string{"dal ", "dall'", "da "} {
		if r, ok := strings.CutPrefix(l, p); ok {
			rest = r
			break
		}
	}
	if rest == "" {
		return "", "", fmt.Errorf("%w: messaggi %q does not start with \"dal\"", ErrListSyntax, clip(s))
	}
	for _, sep := range []string{" al ", " all'", " a "} {
		if i := strings.LastIndex(rest, sep); i >= 0 {
			return rest[:i], rest[i+len(sep):], nil
		}
	}
	return "", "", fmt.Errorf("%w: messaggi %q has no \"al\"", ErrListSyntax, clip(s))
}

// cleanName collapses spaces and refuses empty, control-character-laden or overlong names.
func cleanName(s string) (string, error) {
	name := normalizeSpace(s)
	switch {
	case name == "":
		return "", fmt.Errorf("%w: empty", ErrListName)
	case utf8.RuneCountInString(name) > maxNameRunes:
		return "", fmt.Errorf("%w: longer than %d characters", ErrListName, maxNameRunes)
	}
	for _, c := range name {
		if unicode.IsControl(c) || c == utf8.RuneError || unicode.Is(unicode.Cf, c) {
			return "", fmt.Errorf("%w: %q contains %U", ErrListName, clip(name), c)
		}
	}
	return name, nil
}

// normalizeSpace trims and collapses runs of spaces, tabs and no-break spaces into one space.
func normalizeSpace(s string) string { return strings.Join(strings.FieldsFunc(s, isSpace), " ") }

func isSpace(r rune) bool { return unicode.IsSpace(r) || r == '\u00a0' || r == '\u202f' }

// splitLines splits on LF, CRLF or a lone CR.
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Split(s, "\n")
}
