package evidence

import (
	"strings"
	"testing"
)

func TestCaveats(t *testing.T) {
	for _, tt := range []struct {
		setting ReadReceipts
		last    Caveat
	}{
		{ReadReceiptsOn, CaveatSenderReadReceiptsOn},
		{ReadReceiptsOff, CaveatSenderReadReceiptsOff},
		{ReadReceiptsUnknown, CaveatSenderReadReceiptsUnknown},
		{"", CaveatSenderReadReceiptsUnknown},
	} {
		cs := Caveats(Acquisition{SenderReadReceipts: tt.setting})
		if got := cs[len(cs)-1]; got != tt.last {
			t.Errorf("%q: last caveat %s, want %s", tt.setting, got.Code, tt.last.Code)
		}
		codes := make(map[string]bool)
		for _, c := range cs {
			if c.Code == "" || strings.TrimSpace(c.IT) == "" || strings.TrimSpace(c.EN) == "" || c.IT == c.EN {
				t.Errorf("caveat %+v incomplete", c)
			}
			if codes[c.Code] {
				t.Errorf("caveat %s twice", c.Code)
			}
			codes[c.Code] = true
		}
		for _, must := range []string{"delivered-any-device", "read-receipts-optional", "edit-resets-receipts"} {
			if !codes[must] {
				t.Errorf("%q: caveat %s missing", tt.setting, must)
			}
		}
	}
}

func TestCaveatsIOS(t *testing.T) {
	has := func(cs []Caveat) bool {
		for _, c := range cs {
			if c == CaveatIOSReceiptsInferred {
				return true
			}
		}
		return false
	}
	if !has(Caveats(Acquisition{Method: MethodIOSBackup})) {
		t.Error("an iPhone backup's report lacks the inferred-receipts caveat")
	}
	if has(Caveats(Acquisition{Method: MethodAndroidBackup})) {
		t.Error("an Android backup's report states the iPhone caveat")
	}
}
