package tpm

import (
	"bytes"
	"slices"
)

func equalDigests(a, b [][]byte) bool { return slices.EqualFunc(a, b, bytes.Equal) }
