package pades

import (
	"encoding/binary"
	"math"
)

// SRGBProfile returns an ICC version 2.1 display ("mntr") profile of sRGB
// (IEC 61966-2-1), computed here rather than copied from anyone's file:
// the D50-adapted (Bradford) primaries of sRGB and its tone curve sampled
// at 1024 points. PDF/A output intents name it as their destination
// profile.
func SRGBProfile() []byte {
	type tag struct {
		sig  string
		data []byte
	}
	xyz := func(x, y, z float64) []byte {
		b := []byte("XYZ \x00\x00\x00\x00")
		for _, v := range []float64{x, y, z} {
			b = binary.BigEndian.AppendUint32(b, uint32(int32(math.Round(v*65536))))
		}
		return b
	}
	curve := []byte("curv\x00\x00\x00\x00")
	const points = 1024
	curve = binary.BigEndian.AppendUint32(curve, points)
	for i := range points {
		v := float64(i) / (points - 1)
		if v <= 0.04045 {
			v /= 12.92
		} else {
			v = math.Pow((v+0.055)/1.055, 2.4)
		}
		curve = binary.BigEndian.AppendUint16(curve, uint16(math.Round(v*65535)))
	}
	const name = "sRGB IEC61966-2.1"
	desc := []byte("desc\x00\x00\x00\x00")
	desc = binary.BigEndian.AppendUint32(desc, uint32(len(name)+1))
	desc = append(desc, name+"\x00"...)
	desc = append(desc, make([]byte, 4+4+2+1+67)...) // no Unicode nor ScriptCode description
	tags := []tag{
		{"desc", desc},
		{"cprt", []byte("text\x00\x00\x00\x00No copyright, use freely\x00")},
		{"wtpt", xyz(0.9642, 1.0, 0.8249)},
		{"rXYZ", xyz(0.4361, 0.2225, 0.0139)},
		{"gXYZ", xyz(0.3851, 0.7169, 0.0971)},
		{"bXYZ", xyz(0.1431, 0.0606, 0.7141)},
		{"rTRC", curve}, {"gTRC", curve}, {"bTRC", curve},
	}
	pad4 := func(n int) int { return (n + 3) &^ 3 }
	off := 128 + 4 + 12*len(tags)
	table := binary.BigEndian.AppendUint32(nil, uint32(len(tags)))
	var data []byte
	at := map[string]int{} // the three curves share their data
	for _, t := range tags {
		o, ok := at[string(t.data)]
		if !ok {
			o = off + len(data)
			at[string(t.data)] = o
			data = append(data, t.data...)
			data = append(data, make([]byte, pad4(len(data))-len(data))...)
		}
		table = append(table, t.sig...)
		table = binary.BigEndian.AppendUint32(table, uint32(o))
		table = binary.BigEndian.AppendUint32(table, uint32(len(t.data)))
	}
	h := make([]byte, 128)
	size := 128 + len(table) + len(data)
	binary.BigEndian.PutUint32(h[0:], uint32(size))
	binary.BigEndian.PutUint32(h[8:], 0x02100000)
	copy(h[12:], "mntrRGB XYZ ")
	for i, v := range []uint16{2026, 1, 1, 0, 0, 0} {
		binary.BigEndian.PutUint16(h[24+2*i:], v)
	}
	copy(h[36:], "acsp")
	for i, v := range []float64{0.9642, 1.0, 0.8249} { // the PCS illuminant, D50
		binary.BigEndian.PutUint32(h[68+4*i:], uint32(int32(math.Round(v*65536))))
	}
	return append(append(h, table...), data...)
}
