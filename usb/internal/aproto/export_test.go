package aproto

import "encoding/base64"

// ParsePublicKeyRaw and encodeRaw let tests corrupt single struct bytes.
func ParsePublicKeyRaw(b64 string) ([]byte, error) { return base64.StdEncoding.DecodeString(b64) }

func encodeRaw(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
