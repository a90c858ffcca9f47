package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/capture/android"
	"github.com/attesta/attesta/capture/android/msgstore/msgstoretest"
	"github.com/attesta/attesta/evidence"
)

// TestExtractAndroidTwiceSameDeliveries extracts four chats of one backup in two sessions on the same appliance (each delivery's
// folder is written while the next chat is rendered and sealed) and compares the two sessions: the same folders
// holding the same files, the same raw rows, the same manifests and chains of custody once what differs by nature
// between two sessions is set aside (the acquisition's id and times, the actions' times, the report's digest, which
// covers its dates and signature, and the journal's position, which is compared relative to each acquisition's
// start leaf: the journal records the same leaves in the same order).
func TestExtractAndroidTwiceSameDeliveries(t *testing.T) {
	dir := t.TempDir()
	backup, key := bulkBackup(t, dir, 4, 400)
	var rows []string
	for c := range 4 {
		jid := msgstoretest.BulkChatJID(c)
		rows = append(rows, fmt.Sprintf("+%s;Contatto %d;2025-01-01;2025-01-02", strings.TrimSuffix(jid, "@s.whatsapp.net"), c+1))
	}
	list := writeList(t, dir, "lista.csv", rows...)
	data := filepath.Join(dir, "data")
	// Three sessions, the last two compared: the appliance's first report journals its self-signed certificate.
	var sessions [3]string
	for i := range sessions {
		sessions[i] = filepath.Join(dir, fmt.Sprintf("out%d", i))
		code, stdout, errs := attesta(t, "extract", "android", "--backup", backup, "--key", key.RootHex(), "--list", list,
			"--out", sessions[i], "--data", data, "--tpm", "sim", "--max-messages", "5", "--case", "case-same")
		if code != 0 {
			t.Fatalf("extract %d: exit %d\n%s%s", i+1, code, stdout, errs)
		}
		if n := strings.Count(stdout, "5 certified"); n != 4 {
			t.Fatalf("extract %d: %d chats certified, want 4:\n%s", i+1, n, stdout)
		}
	}
	sessions[0] = sessions[2]
	files := [2][]string{treeFiles(t, sessions[0]), treeFiles(t, sessions[1])}
	if !slices.Equal(files[0], files[1]) {
		t.Fatalf("the sessions hold different files:\n%q\n%q", files[0], files[1])
	}
	folders := deliveryFolders(t, filepath.Join(sessions[0], "*"))
	if len(folders) != 4 {
		t.Fatalf("delivery folders %q", folders)
	}
	for _, f := range folders {
		name := filepath.Base(f)
		other := filepath.Join(sessions[1], name)
		if a, b := mustRead(t, f, "artifacts/messages.jsonl"), mustRead(t, other, "artifacts/messages.jsonl"); !bytes.Equal(a, b) {
			t.Errorf("%s: messages.jsonl differs", name)
		}
		if a, b := sameManifest(t, f), sameManifest(t, other); a != b {
			t.Errorf("%s: manifests differ beyond ids and times:\n%s\n%s", name, a, b)
		}
		if a, b := sameCustody(t, f), sameCustody(t, other); !slices.Equal(a, b) {
			t.Errorf("%s: chains of custody differ:\n%q\n%q", name, a, b)
		}
	}
}

// bulkBackup writes a crypt15 backup of msgstoretest's bulk database (n messages over chats chats) into dir.
func bulkBackup(t *testing.T, dir string, chats, n int) (string, android.Key) {
	t.Helper()
	plain := filepath.Join(dir, "plain.db")
	if err := msgstoretest.WriteBulkChats(t.Context(), plain, msgstoretest.Bulk{Messages: n, Chats: chats, Words: 12}); err != nil {
		t.Fatal(err)
	}
	key, err := android.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(plain)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	backup := filepath.Join(dir, "msgstore.db.crypt15")
	out, err := os.Create(backup)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := android.EncryptCrypt15(t.Context(), out, in, key, android.Crypt15Options{}); err != nil {
		t.Fatal(err)
	}
	return backup, key
}

// treeFiles lists the regular files under root, relative to it, sorted.
func treeFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func mustRead(t *testing.T, folder, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(folder, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// startLeaf is the journal index of the acquisition's start leaf, from the first action of its chain of custody.
func startLeaf(t *testing.T, actions []bundle.CustodyAction) uint64 {
	t.Helper()
	if len(actions) == 0 || actions[0].Action != bundle.CustodyStart {
		t.Fatalf("custody does not open with the start: %+v", actions)
	}
	n, err := strconv.ParseUint(actions[0].Fields["leaf"], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func custodyOf(t *testing.T, folder string) []bundle.CustodyAction {
	t.Helper()
	actions, err := bundle.DecodeCustody(mustRead(t, folder, bundle.CustodyPath))
	if err != nil {
		t.Fatal(err)
	}
	return actions
}

// sameManifest is a delivery's manifest.json without what differs between two sessions by nature: the acquisition's
// id and times, the report's digest, and the journal block but for the delivery's leaf relative to the start leaf.
func sameManifest(t *testing.T, folder string) string {
	t.Helper()
	m, err := bundle.DecodeManifest(mustRead(t, folder, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	start := startLeaf(t, custodyOf(t, folder))
	if m.Journal == nil || m.Report == nil {
		t.Fatalf("%s: manifest without journal block or report", folder)
	}
	leaf := m.Journal.LeafIndex - start
	m.Acquisition.ID, m.Acquisition.StartedAt, m.Acquisition.FinishedAt = "", evidence.Time{}, evidence.Time{}
	m.Journal, m.Report = nil, nil
	for i := range m.Artifacts {
		if m.Artifacts[i].Path == bundle.CustodyPath { // its bytes hold the actions' times
			m.Artifacts[i].SHA256, m.Artifacts[i].Size = "", 0
		}
	}
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("delivery leaf start+%d\n%s", leaf, b)
}

// sameCustody is a delivery's chain of custody without the actions' times, with journal positions relative to the
// acquisition's start leaf.
func sameCustody(t *testing.T, folder string) []string {
	t.Helper()
	actions := custodyOf(t, folder)
	start := startLeaf(t, actions)
	var out []string
	for _, a := range actions {
		keys := make([]string, 0, len(a.Fields))
		for k := range a.Fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		line := a.Action + " " + a.Chat
		for _, k := range keys {
			v := a.Fields[k]
			if k == "leaf" || k == "tree_size" {
				n, err := strconv.ParseUint(v, 10, 64)
				if err != nil {
					t.Fatal(err)
				}
				v = "start+" + strconv.FormatUint(n-start, 10)
			}
			line += " " + k + "=" + v
		}
		out = append(out, line)
	}
	return out
}
