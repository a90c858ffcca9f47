package report

import (
	"regexp"
	"strings"
	"testing"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/capture/web"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/i18n"
)

// TestCatalogComplete fails when a text of the report lacks a language, when its two languages take different
// arguments, or when the code prints a key the catalog does not hold.
func TestCatalogComplete(t *testing.T) {
	if err := catalog.Check(); err != nil {
		t.Error(err)
	}
	keys := map[string]bool{}
	// Keys written out in the code: r.t("Key", …), catalog.T(lang, "Key").
	literal := regexp.MustCompile(`(?:r\.t|catalog\.T\([a-z]+,)\(?\s*"([A-Za-z.\-]+)"`)
	found, err := i18n.KeysIn(".", literal)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range found {
		if !strings.HasSuffix(k, ".") {
			keys[k] = true
		}
	}
	if len(keys) < 50 {
		t.Fatalf("found %d keys in the code: the pattern no longer matches how the report prints", len(keys))
	}
	// Keys made from values: every value the manifest or the custody log can hold.
	for _, ty := range []evidence.MessageType{evidence.TypeText, evidence.TypeImage, evidence.TypeVideo,
		evidence.TypeVoice, evidence.TypeVideoNote, evidence.TypeAudio, evidence.TypeDocument, evidence.TypeSticker,
		evidence.TypeLocation, evidence.TypeContact, evidence.TypeRevoked, evidence.TypeSystem, evidence.TypeOther} {
		keys["Types."+string(ty)] = true
	}
	for _, reason := range []evidence.Reason{evidence.ReasonRevoked, evidence.ReasonFailed, evidence.ReasonPending,
		evidence.ReasonNotDelivered, evidence.ReasonNoReply} {
		keys["NotProven."+string(reason)], keys["ShortReason."+string(reason)] = true, true
	}
	for st := evidence.StatusFailed; st <= evidence.StatusPlayed; st++ {
		keys["Statuses."+st.String()] = true
	}
	for _, code := range []string{evidence.AnomalyAckUnknown, evidence.AnomalyAckBelowReceipts,
		evidence.AnomalyReceiptMissing, evidence.AnomalyReceiptOrder, evidence.AnomalyPlayedNotPlayable,
		evidence.AnomalyEdited, web.AnomalyNoMessageInfo, web.AnomalyEmptyMessageInfo, web.AnomalyMediaGone,
		web.AnomalyMediaReuploading, web.AnomalyMediaFailed, web.AnomalyHashMismatch, web.AnomalyTickDisagrees,
		web.AnomalyRowNotFound, web.AnomalyScreenshotSkipped} {
		keys["Anomalies."+code] = true
	}
	for _, a := range []string{bundle.CustodyStart, bundle.CustodyLinked, bundle.CustodyLinkLost,
		bundle.CustodyLinkRefused, bundle.CustodyArtifact, bundle.CustodyMediaMissed, bundle.CustodySealed,
		bundle.CustodyReceived, bundle.CustodyCloud} {
		keys["Action."+a] = true
	}
	for _, k := range []string{"missing", "digest", "too-large", "decode", "read"} {
		keys["PictureWhy."+k] = true
	}
	for _, err := range []error{errNotOgg, errOggCodec, errOggCorrupt} {
		keys[durationReason(err)] = true
	}
	for _, v := range []string{"gone", "reuploading", "not-extracted", "not-on-phone", "download-error"} {
		keys["Value."+v] = true // evidence.Attachment.Unavailable, as the captures write it
	}
	for _, k := range []string{"Kind.0", "Kind.1", "Proven.0", "Proven.1", "Proven.2", "Proven.3", "Short.played",
		"Short.read", "Short.reply", "Short.reply-outside", "Short.none"} {
		keys[k] = true
	}
	for k := range keys {
		if !catalog.Has(k) {
			t.Errorf("the report prints %q, which the catalog lacks", k)
		}
	}
}
