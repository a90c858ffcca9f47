package webtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
)

// Plaintext returns the bytes of the media of message msgID in chat chatID:
// the scenario's data, or Size bytes generated deterministically from the
// two ids (SHA-256 in counter mode), so a test can recompute them.
func (md *Media) Plaintext(chatID, msgID string) []byte {
	if len(md.Data) > 0 {
		return md.Data
	}
	out := make([]byte, 0, md.Size+sha256.Size)
	var ctr [8]byte
	for i := uint64(0); int64(len(out)) < md.Size; i++ {
		binary.BigEndian.PutUint64(ctr[:], i)
		h := sha256.New()
		h.Write([]byte(chatID))
		h.Write([]byte{0})
		h.Write([]byte(msgID))
		h.Write(ctr[:])
		out = h.Sum(out)
	}
	return out[:md.Size]
}

// FileHash is the base64 SHA-256 that the message model carries in
// filehash: the plaintext's, or for Hash "wrong" a hash of other bytes.
func (md *Media) FileHash(chatID, msgID string) string {
	sum := sha256.Sum256(md.Plaintext(chatID, msgID))
	if md.Hash == "wrong" {
		sum = sha256.Sum256(append(sum[:], "not the served bytes"...))
	}
	return base64.StdEncoding.EncodeToString(sum[:])
}

// thumbnail returns the JPEG an image or video model carries in body.
func (md *Media) thumbnail(msgID string) []byte {
	if len(md.Thumbnail) > 0 {
		return md.Thumbnail
	}
	sum := sha256.Sum256([]byte(msgID))
	img := image.NewRGBA(image.Rect(0, 0, 16, 12))
	for y := range 12 {
		for x := range 16 {
			img.Set(x, y, color.RGBA{sum[0] ^ uint8(x*9), sum[1] ^ uint8(y*13), sum[2], 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 60}); err != nil {
		panic(fmt.Sprintf("webtest: encode thumbnail: %v", err)) // in-memory encode of a valid image cannot fail
	}
	return buf.Bytes()
}

// mediaInfo is the HKDF info string WhatsApp uses for a message type.
func mediaInfo(typ string) string {
	switch typ {
	case TypeVideo:
		return "WhatsApp Video Keys"
	case TypePTT, TypeAudio:
		return "WhatsApp Audio Keys"
	case TypeDocument:
		return "WhatsApp Document Keys"
	}
	return "WhatsApp Image Keys"
}

// encryptedMedia is one media blob as the CDN serves it.
type encryptedMedia struct {
	mediaKey    []byte
	enc         []byte // AES-256-CBC ciphertext followed by the 10-byte MAC
	encFilehash string
	directPath  string
}

// encryptMedia encrypts plaintext the way WhatsApp media is stored on its
// CDN: HKDF-SHA256 expands a fresh 32-byte media key into IV, cipher key and
// MAC key; the file is AES-256-CBC (PKCS#7) followed by the first 10 bytes
// of HMAC-SHA256(IV || ciphertext).
func encryptMedia(plaintext []byte, typ string) (*encryptedMedia, error) {
	mediaKey := make([]byte, 32)
	rand.Read(mediaKey)
	keys, err := hkdf.Key(sha256.New, mediaKey, nil, mediaInfo(typ), 112)
	if err != nil {
		return nil, fmt.Errorf("derive media keys: %w", err)
	}
	iv, cipherKey, macKey := keys[:16], keys[16:48], keys[48:80]
	block, err := aes.NewCipher(cipherKey)
	if err != nil {
		return nil, fmt.Errorf("media cipher: %w", err)
	}
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	ct := append(bytes.Clone(plaintext), bytes.Repeat([]byte{byte(pad)}, pad)...)
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, ct)
	mac := hmac.New(sha256.New, macKey)
	mac.Write(iv)
	mac.Write(ct)
	file := append(ct, mac.Sum(nil)[:10]...)
	sum := sha256.Sum256(file)
	name := make([]byte, 16)
	rand.Read(name)
	oe := make([]byte, 4)
	rand.Read(oe)
	return &encryptedMedia{
		mediaKey:    mediaKey,
		enc:         file,
		encFilehash: base64.StdEncoding.EncodeToString(sum[:]),
		directPath: fmt.Sprintf("/v/t62.7118-24/%s.enc?ccb=11-4&oh=01_Q5Aa&oe=%s&_nc_sid=5e03e0",
			hex.EncodeToString(name), hex.EncodeToString(oe)),
	}, nil
}
