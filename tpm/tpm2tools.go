package tpm

import "encoding/binary"

// Layout of the PCR file tpm2_quote -o writes and tpm2_checkquote -f reads
// when no -l is given: an in-memory dump (little-endian) of the tpm2-tss
// structures TPML_PCR_SELECTION and the tool's tpm2_pcrs (a UINT32 count
// of TPML_DIGEST lists of up to eight TPM2B_DIGEST each). The sizes follow
// from the TSS constants TPM2_NUM_PCR_BANKS = 16, TPM2_PCR_SELECT_MAX = 4
// and sizeof(TPMU_HA) = 64. tpm2-tools 5.4 cannot read eight or more raw
// digests per bank with -l, so attestations ship this form as well.
const (
	tssNumPCRBanks    = 16
	tssPCRSelectionSz = 8 // hash u16, sizeofSelect u8, pcrSelect[4], 1 byte padding
	tssDigestsPerList = 8
	tssDigestSz       = 2 + 64
	tssDigestListSz   = 4 + tssDigestsPerList*tssDigestSz
)

// tpm2ToolsPCRFile encodes SHA-256 PCR values of sel in that layout.
func tpm2ToolsPCRFile(sel PCRSelection, vals [][]byte) []byte {
	out := binary.LittleEndian.AppendUint32(nil, 1)
	entry := make([]byte, tssPCRSelectionSz)
	binary.LittleEndian.PutUint16(entry, 0x000b) // TPM_ALG_SHA256
	entry[2] = 3                                 // PCR 0-23
	for _, p := range sel {
		entry[3+p/8] |= 1 << (p % 8)
	}
	out = append(out, entry...)
	out = append(out, make([]byte, (tssNumPCRBanks-1)*tssPCRSelectionSz)...)

	lists := (len(vals) + tssDigestsPerList - 1) / tssDigestsPerList
	out = binary.LittleEndian.AppendUint32(out, uint32(lists))
	for l := range lists {
		list := make([]byte, tssDigestListSz)
		chunk := vals[l*tssDigestsPerList : min(len(vals), (l+1)*tssDigestsPerList)]
		binary.LittleEndian.PutUint32(list, uint32(len(chunk)))
		for i, v := range chunk {
			d := list[4+i*tssDigestSz:]
			binary.LittleEndian.PutUint16(d, uint16(len(v)))
			copy(d[2:], v)
		}
		out = append(out, list...)
	}
	return out
}
