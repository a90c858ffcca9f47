package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"mime"
	"strings"

	"github.com/attesta/attesta/evidence"
)

func (c *chatCapture) receipts(ctx context.Context, id string) error {
	c.infoDone[id] = true
	m := c.msg(id)
	var info jsInfo
	if err := c.s.callCtx(ctx, &info, "msgInfo", c.sum.ID, c.keys[id]); err != nil {
		return err
	}
	if !info.Found {
		detail := fmt.Sprintf("queryMsgInfo found no message info (%s); receipt times unknown, not invented", info.Error)
		m.Anomalies = append(m.Anomalies, evidence.Anomaly{Code: AnomalyNoMessageInfo, Detail: detail})
		return c.action(ctx, "message-info", map[string]any{"id": id, "found": false, "error": info.Error})
	}
	for _, l := range []struct {
		kind evidence.ReceiptKind
		rs   []jsReceipt
	}{{evidence.ReceiptDelivered, info.Delivery}, {evidence.ReceiptRead, info.Read}, {evidence.ReceiptPlayed, info.Played}} {
		for _, r := range l.rs {
			if r.T <= 0 {
				continue
			}
			m.Receipts = append(m.Receipts, evidence.Receipt{Recipient: recipient(r.ID), Kind: l.kind, At: evidence.Unix(r.T)})
		}
	}
	if len(m.Receipts) == 0 && m.Ack >= evidence.AckReceived {
		m.Anomalies = append(m.Anomalies, evidence.Anomaly{Code: AnomalyEmptyMessageInfo,
			Detail: fmt.Sprintf("message info is empty although the ack is %v", m.Ack)})
	}
	return c.action(ctx, "message-info", map[string]any{"id": id, "found": true, "receipts": len(m.Receipts)})
}

// recipient writes a phone wid as E.164 and leaves any other wid (an unmapped LID) as it is.
func recipient(wid string) string {
	if user, ok := strings.CutSuffix(wid, "@c.us"); ok && user != "" && strings.Trim(user, "0123456789") == "" {
		return "+" + user
	}
	return wid
}

func (c *chatCapture) download(ctx context.Context, id string) error {
	c.fetched[id] = true
	m, md := c.msg(id), c.media[id]
	var dl jsDownload
	if err := c.s.callCtx(ctx, &dl, "download", c.sum.ID, c.keys[id]); err != nil {
		return err
	}
	att := evidence.Attachment{MIME: md.MIME}
	if !dl.OK {
		code, state := AnomalyMediaFailed, "error: "+dl.Error
		switch {
		case dl.Stage == "REUPLOADING":
			code, state = AnomalyMediaReuploading, "reuploading"
		case dl.Status == 404 || dl.Stage == "ERROR_MISSING":
			code, state = AnomalyMediaGone, "gone"
		}
		att.Unavailable = state
		m.Attachments = append(m.Attachments, att)
		m.Anomalies = append(m.Anomalies, evidence.Anomaly{Code: code,
			Detail: fmt.Sprintf("media download failed (%s; stage %s)", dl.Error, orUnknown(dl.Stage))})
		return c.action(ctx, "download-media", map[string]any{"id": id, "ok": false, "state": state, "error": dl.Error})
	}
	name := c.s.artifactName(fmt.Sprintf("chats/%s/media/%s%s", c.digits, id, extension(md)))
	sum, size, err := c.s.opts.Recorder.Artifact(ctx, string(evidence.ArtifactMedia), name, bytes.NewReader(dl.Data))
	if err != nil {
		return &recordError{fmt.Errorf("record media %s: %w", name, err)}
	}
	att.Path, att.SHA256, att.Size = name, sum, size
	if md.Filehash != "" {
		ok := hashMatches(dl.Data, md.Filehash)
		att.WhatsAppHashOK = &ok
		if !ok {
			m.Anomalies = append(m.Anomalies, evidence.Anomaly{Code: AnomalyHashMismatch,
				Detail: fmt.Sprintf("SHA-256 of the downloaded bytes is not WhatsApp's filehash %s", md.Filehash)})
		}
	}
	m.Attachments = append(m.Attachments, att)
	return c.action(ctx, "download-media", map[string]any{"id": id, "ok": true, "sha256": sum, "size": size,
		"whatsapp_hash_ok": att.WhatsAppHashOK})
}

// hashMatches compares data with WhatsApp's filehash (base64 of the plaintext's SHA-256).
func hashMatches(data []byte, filehash string) bool {
	want, err := base64.StdEncoding.DecodeString(filehash)
	if err != nil {
		return false
	}
	got := sha256.Sum256(data)
	return bytes.Equal(got[:], want)
}

// extension picks a file extension from the original file name, else the MIME type.
func extension(md *jsMedia) string {
	if i := strings.LastIndexByte(md.Filename, '.'); i >= 0 && len(md.Filename)-i <= 6 && !strings.ContainsAny(md.Filename[i:], "/\\ ") {
		return strings.ToLower(md.Filename[i:])
	}
	base, _, _ := strings.Cut(md.MIME, ";")
	switch strings.TrimSpace(base) {
	case "image/jpeg":
		return ".jpg"
	case "audio/ogg":
		return ".ogg"
	case "video/mp4":
		return ".mp4"
	case "application/pdf":
		return ".pdf"
	}
	if exts, _ := mime.ExtensionsByType(strings.TrimSpace(base)); len(exts) > 0 {
		return exts[0]
	}
	return ".bin"
}
