package desk_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/appliance/desk"
	"github.com/attesta/attesta/appliance/internal/appliancetest"
	"github.com/attesta/attesta/appliance/retention"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/ui"
)

// goodCase is a case a technician could open.
func goodCase() ui.NewCase {
	return ui.NewCase{Client: "Studio  Legale Rossi", ClientPhone: "377 115 1946", Purpose: "prova della disdetta",
		ServiceMonths: 3, MaxMessages: 20, Operator: "tecnico"}
}

func TestCreateCaseValidation(t *testing.T) {
	a := openSim(t, t.TempDir())
	tests := []struct {
		name string
		edit func(*ui.NewCase)
		want string // part of the message; "" when the case is valid
	}{
		{"valid", func(*ui.NewCase) {}, ""},
		{"no client", func(c *ui.NewCase) { c.Client = "  " }, "name is missing"},
		{"control characters", func(c *ui.NewCase) { c.Purpose = "a\x00b" }, "control characters"},
		{"long name", func(c *ui.NewCase) { c.Client = strings.Repeat("x", desk.MaxClientLen+1) }, "longer than"},
		{"bad phone", func(c *ui.NewCase) { c.ClientPhone = "37711519ab" }, "client's number"},
		{"no phone", func(c *ui.NewCase) { c.ClientPhone = "" }, "client's number"},
		{"plan not sold", func(c *ui.NewCase) { c.MaxMessages = 7 }, "plan of 7 messages"},
		{"service not sold", func(c *ui.NewCase) { c.ServiceMonths = 2 }, "choose 1, 3, 6 or 12"},
		{"no service", func(c *ui.NewCase) { c.ServiceMonths = 0 }, "choose 1, 3, 6 or 12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc := goodCase()
			tt.edit(&nc)
			info, err := a.Desk().CreateCase(t.Context(), nc)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CreateCase: %v", err)
				}
				if info.Client != "Studio Legale Rossi" || info.ClientPhone != "+393771151946" || info.ServiceMonths != 3 ||
					info.MaxMessages != 20 || info.RetainUntil.Before(info.Created.AddDate(0, 3, 0)) {
					t.Fatalf("case = %+v", info)
				}
				if err := blob.ValidCaseID(info.ID); err != nil || !strings.HasPrefix(info.ID, "AT-") {
					t.Fatalf("case id %q: %v", info.ID, err)
				}
				return
			}
			if !errors.Is(err, ui.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("CreateCase = %v; want ui.ErrInvalid saying %q", err, tt.want)
			}
		})
	}
	cases, err := a.Desk().ListCases(t.Context())
	if err != nil || len(cases) != 1 {
		t.Fatalf("ListCases = %d cases, %v; want only the valid one", len(cases), err)
	}
}

func TestCasesJournalNoPersonalDataAndSurviveRestart(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	a := openSim(t, dir)
	first := newCase(t, a)
	second := newCase(t, a)
	if first.ID == second.ID || !strings.HasSuffix(first.ID, "-0001") || !strings.HasSuffix(second.ID, "-0002") {
		t.Fatalf("case ids %s, %s; want consecutive numbers", first.ID, second.ID)
	}
	opened := leavesOfType(t, a, desk.LeafCaseOpened)
	if len(opened) != 2 || opened[0].Case != first.ID || opened[0].Fields["service_months"] != int64(3) {
		t.Fatalf("case-opened leaves: %+v", opened)
	}
	ret := leavesOfType(t, a, desk.LeafRetention)
	if len(ret) != 2 || ret[0].Fields["kind"] != retention.KindCaseAdded || ret[0].Case != first.ID {
		t.Fatalf("retention leaves: %+v", ret)
	}
	for _, e := range append(opened, ret...) {
		b, _ := json.Marshal(e.Fields)
		if strings.Contains(string(b), "1151946") || strings.Contains(string(b), "Rossi") || strings.Contains(string(b), "disdetta") {
			t.Fatalf("personal data in the journal: %s", b)
		}
	}
	if err := a.Desk().SetHold(ctx, "AT-1999-0001", true, "avv. Bianchi", "giudizio pendente"); !errors.Is(err, ui.ErrNotFound) {
		t.Fatalf("hold on an unknown case: %v", err)
	}
	if err := a.Desk().SetHold(ctx, first.ID, false, "avv. Bianchi", "fine"); !errors.Is(err, ui.ErrInvalid) {
		t.Fatalf("release of a case not on hold: %v", err)
	}
	if err := a.Desk().SetHold(ctx, first.ID, true, "", ""); !errors.Is(err, ui.ErrInvalid) {
		t.Fatalf("hold without who and why: %v", err)
	}
	if err := a.Desk().SetHold(ctx, first.ID, true, "avv. Bianchi", "giudizio pendente"); err != nil {
		t.Fatal(err)
	}
	a.Close()

	b := openSim(t, dir)
	got, err := b.Desk().Case(ctx, first.ID)
	if err != nil || got.Hold != "giudizio pendente" || got.Client != first.Client || !got.RetainUntil.Equal(first.RetainUntil) {
		t.Fatalf("after restart Case = %+v, %v", got, err)
	}
	if _, err := b.Desk().Case(ctx, "AT-1999-0001"); !errors.Is(err, ui.ErrNotFound) {
		t.Fatalf("unknown case: %v", err)
	}
	list, _ := b.Desk().ListCases(ctx)
	if len(list) != 2 || list[0].ID != second.ID {
		t.Fatalf("ListCases after restart: %+v; want both, newest first", list)
	}
}

// A case past its retention is erased at the scheduler's round: its key is destroyed, the erasure journaled and
// the register forgets the client; a case on legal hold is kept; a case that acquired nothing is erased too.
func TestRetentionRoundErasesExpiredCaseButNotHeld(t *testing.T) {
	ctx := t.Context()
	a := openSim(t, t.TempDir())
	var ids []string
	for range 3 {
		c := newCase(t, a)
		ids = append(ids, c.ID)
	}
	expired, held, empty := ids[0], ids[1], ids[2]
	var refs = map[string]blob.Ref{}
	for _, id := range []string{expired, held} {
		refs[id] = appliancetest.Acquire(t, a.Certify(), id, "pixels of "+id).Ref
	}
	if err := a.Desk().SetHold(ctx, held, true, "avv. Bianchi", "giudizio pendente"); err != nil {
		t.Fatal(err)
	}
	// A job of the case keeps its list and key sealed until the case is erased.
	a.Desk().Config().ADB = "127.0.0.1:1" // no adb server: the job fails at once
	recordMandate(t, a, expired)
	j, err := a.Desk().StartExtraction(ctx, ui.Extraction{Case: expired, Key: strings.Repeat("ab", 32),
		List: "numero;nominativo;dal;al\n3331112222;Mario Rossi;2026-01-10;2026-01-20\n"})
	if err != nil {
		t.Fatal(err)
	}
	if j = waitJob(t, a, j.ID); len(j.Chats) != 1 {
		t.Fatalf("job: %+v", j)
	}

	// The appliance's copies of the cases' deliveries: a folder whose delivery leaf names the case, and its ZIP.
	outDir := filepath.Join(a.Desk().Config().DataDir, "deliveries")
	deliveryCopy := func(caseID, name string) string {
		var leaf []byte
		for l, err := range a.Journal().Entries(ctx, 0, a.Journal().Size()) {
			if e, _ := l.Entry(); err == nil && e.Case == caseID {
				leaf = l.Data
			}
		}
		folder := filepath.Join(outDir, name)
		if err := os.MkdirAll(filepath.Join(folder, "proofs"), 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(folder, "proofs", "delivery-leaf.json"), leaf, 0o644)
		os.WriteFile(folder+".zip", []byte("zip"), 0o644)
		return folder
	}
	expiredCopy, heldCopy := deliveryCopy(expired, "3331112222-12-gennaio-2026"), deliveryCopy(held, "3331113333-12-gennaio-2026")

	info, _ := a.Desk().Case(ctx, expired)
	later := info.RetainUntil.Add(time.Second)
	s, err := a.Desk().RetentionScheduler(ctx, retention.Options{Now: func() time.Time { return later }})
	if err != nil {
		t.Fatal(err)
	}
	// The day before the end of retention nothing is erased.
	early, err := a.Desk().RetentionScheduler(ctx, retention.Options{Now: func() time.Time { return info.RetainUntil.Add(-24 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	if round, err := early.Check(ctx); err != nil || len(round.Erased) != 0 {
		t.Fatalf("round before the end of retention: %+v, %v", round, err)
	}

	round, err := s.Check(ctx)
	if err != nil {
		t.Fatalf("round: %v", err)
	}
	if strings.Join(round.Erased, ",") != expired+","+empty {
		t.Fatalf("erased %v; want %s and %s, not the case on hold", round.Erased, expired, empty)
	}
	if _, err := a.Blobs().Open(ctx, expired, refs[expired].SHA256); !errors.Is(err, blob.ErrErased) {
		t.Fatalf("blob of the erased case: %v; want blob.ErrErased", err)
	}
	r, err := a.Blobs().Open(ctx, held, refs[held].SHA256)
	if err != nil {
		t.Fatalf("blob of the case on hold: %v", err)
	}
	r.Close()
	for _, p := range []string{expiredCopy, expiredCopy + ".zip"} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s of the erased case is still on the appliance (%v)", p, err)
		}
	}
	for _, p := range []string{heldCopy, heldCopy + ".zip"} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s of the case on hold: %v", p, err)
		}
	}
	removed := leavesOfType(t, a, desk.LeafDeliveriesRemoved)
	if len(removed) != 2 || removed[0].Case != expired || fmt.Sprint(removed[0].Fields["folders"], removed[0].Fields["zips"]) != "1 1" {
		t.Errorf("deliveries-removed leaves = %+v, want one folder and one ZIP for %s, none for %s", removed, expired, empty)
	}
	erasures := leavesOfType(t, a, journal.TypeErasure)
	if len(erasures) != 2 || erasures[0].Case != expired || erasures[0].Fields["requested_by"] != retention.RequestedBy {
		t.Fatalf("erasure leaves: %+v", erasures)
	}
	got, _ := a.Desk().Case(ctx, expired)
	if got.Erased.IsZero() || got.Client != "" || got.ClientPhone != "" || got.Purpose != "" {
		t.Fatalf("erased case in the register: %+v; want it marked erased, without the client", got)
	}
	if got, _ := a.Desk().Case(ctx, held); !got.Erased.IsZero() || got.Client == "" {
		t.Fatalf("case on hold: %+v", got)
	}
	b, _ := os.ReadFile(filepath.Join(a.Desk().Config().DataDir, "cases.json"))
	if n := strings.Count(string(b), "1151946"); n != 1 { // only the case on hold keeps its client
		t.Fatalf("register after erasure holds the number %d times:\n%s", n, b)
	}
	if got, _ := a.Desk().Job(ctx, j.ID); len(got.Chats) != 0 || got.Error != "" {
		t.Fatalf("job of the erased case still shows its chats: %+v", got)
	}
	if rec, _ := os.ReadFile(filepath.Join(a.Desk().Config().DataDir, "jobs", j.ID+".json")); strings.Contains(string(rec), `"sealed"`) {
		t.Fatalf("job record of the erased case keeps its sealed part:\n%s", rec)
	}
	if _, err := a.Desk().StartWebSession(ctx, ui.WebSession{Case: expired, List: "numero;nominativo;dal;al\n3331112222;x;2026-01-10;2026-01-20\n"}); !errors.Is(err, ui.ErrInvalid) {
		t.Fatalf("job on an erased case: %v; want ui.ErrInvalid", err)
	}
}
