// Command imagetool is the part of the appliance image build (image/build.sh) that shell tools cannot do:
//
//	imagetool esl    -owner GUID -cert FILE.der -out FILE.esl
//	imagetool vars   -in OVMF_VARS_4M.fd -owner GUID -pk PK.der -kek KEK.der -db DB.der -out ovmf_vars.fd
//	imagetool pcrs   -uki FILE.efi -owner GUID -pk PK.der -kek KEK.der -db DB.der -version V [-part NAME=FILE]... -out FILE.json
//	imagetool authenticode FILE.efi
//	imagetool stamp -epoch SECONDS FILE.efi
//	imagetool screen [-monitor SOCKET] -png FILE.png [-want-ui]
//	imagetool policy -image-key PUB.pem -policy FILE.json -pcrs attesta.pcrs.json [-attestation attest.zip]
//
// esl writes an EFI_SIGNATURE_LIST holding one X.509 certificate. vars enrolls the Secure Boot keys (PK, KEK, db)
// into a copy of OVMF's empty variable store by appending authenticated variables to it, so that the firmware boots
// in user mode with Secure Boot on, without a boot in setup mode. pcrs predicts, from the signed unified kernel image
// and the keys, the sha256 PCR values that a genuine boot of the image under that firmware produces: PCR 4 (the boot
// application, measured by its Authenticode hash), PCR 7 (the Secure Boot state and the db entry that allowed the
// image) and PCR 11 (the sections of the UKI, measured by systemd-stub), and records the SHA-256 of each partition.
// stamp sets a PE file's build time to SOURCE_DATE_EPOCH (objcopy writes the current time), before it is signed.
// screen (for the image's boot test) takes a screenshot of the box's screen through qemu's monitor and says whether
// it shows the touch UI (its colours) or the text console. policy (for the boot test) checks the image's signed TPM
// policy against the image-policy key and the predicted PCRs, and a booted box's signing key against the key.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf16"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: imagetool esl|vars|pcrs|authenticode|stamp|screen|policy ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "esl":
		err = runESL(os.Args[2:])
	case "vars":
		err = runVars(os.Args[2:])
	case "pcrs":
		err = runPCRs(os.Args[2:])
	case "authenticode":
		err = runAuthenticode(os.Args[2:])
	case "stamp":
		err = runStamp(os.Args[2:])
	case "screen":
		err = runScreen(os.Args[2:])
	case "policy":
		err = runPolicy(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "imagetool:", err)
		os.Exit(1)
	}
}

// GUIDs of the UEFI specification.
const (
	globalVariableGUID   = "8be4df61-93ca-11d2-aa0d-00e098032b8c"
	imageSecurityDBGUID  = "d719b2cb-3d3a-4596-a3bc-dad00e67656f"
	certX509GUID         = "a5c059a1-94e4-4aa7-87b5-ab155c2bf072"
	secureBootEnableGUID = "f0a30bc7-af08-4556-99c4-001009c93a44"
	customModeGUID       = "c076ec0c-7028-4399-a072-71ee5c448b9f"
	authVarStoreGUID     = "aaf32c78-947b-439a-a180-2e144ec37792"
)

// guidBytes encodes a GUID in the mixed-endian form UEFI stores.
func guidBytes(s string) ([]byte, error) {
	h, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil || len(h) != 16 {
		return nil, fmt.Errorf("GUID %q: not 32 hex digits in 8-4-4-4-12 form", s)
	}
	b := make([]byte, 16)
	b[0], b[1], b[2], b[3] = h[3], h[2], h[1], h[0]
	b[4], b[5] = h[5], h[4]
	b[6], b[7] = h[7], h[6]
	copy(b[8:], h[8:])
	return b, nil
}

func mustGUID(s string) []byte {
	b, err := guidBytes(s)
	if err != nil {
		panic(err)
	}
	return b
}

// signatureData is an EFI_SIGNATURE_DATA: the owner's GUID and the certificate.
func signatureData(owner, cert []byte) []byte {
	return append(append([]byte{}, owner...), cert...)
}

// esl is an EFI_SIGNATURE_LIST of one X.509 certificate.
func esl(owner, cert []byte) []byte {
	var b bytes.Buffer
	b.Write(mustGUID(certX509GUID))
	sd := signatureData(owner, cert)
	_ = binary.Write(&b, binary.LittleEndian, uint32(28+len(sd))) // SignatureListSize
	_ = binary.Write(&b, binary.LittleEndian, uint32(0))          // SignatureHeaderSize
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(sd)))    // SignatureSize
	b.Write(sd)
	return b.Bytes()
}

func ucs2(s string) []byte {
	var b bytes.Buffer
	for _, r := range utf16.Encode([]rune(s)) {
		_ = binary.Write(&b, binary.LittleEndian, r)
	}
	return b.Bytes()
}

// keys are the Secure Boot keys: the owner GUID and the DER certificates.
type keys struct {
	owner, pk, kek, db []byte
}

// keyFlags adds the key flags to fs and returns the function that parses the command's arguments and reads the
// keys they name.
func keyFlags(fs *flag.FlagSet) func(args []string) (keys, error) {
	owner := fs.String("owner", "", "owner GUID of the signature lists")
	pk := fs.String("pk", "", "PK certificate (DER)")
	kek := fs.String("kek", "", "KEK certificate (DER)")
	db := fs.String("db", "", "db certificate (DER)")
	return func(args []string) (keys, error) {
		var k keys
		if err := fs.Parse(args); err != nil {
			return k, err
		}
		var err error
		if k.owner, err = guidBytes(*owner); err != nil {
			return k, fmt.Errorf("-owner: %w", err)
		}
		for _, f := range []struct {
			name, path string
			dst        *[]byte
		}{{"pk", *pk, &k.pk}, {"kek", *kek, &k.kek}, {"db", *db, &k.db}} {
			if f.path == "" {
				return k, fmt.Errorf("-%s is required", f.name)
			}
			if *f.dst, err = os.ReadFile(f.path); err != nil {
				return k, fmt.Errorf("-%s: %w", f.name, err)
			}
		}
		return k, nil
	}
}

func runESL(args []string) error {
	fs := flag.NewFlagSet("esl", flag.ContinueOnError)
	owner := fs.String("owner", "", "owner GUID")
	cert := fs.String("cert", "", "certificate (DER)")
	out := fs.String("out", "", "output file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o, err := guidBytes(*owner)
	if err != nil {
		return err
	}
	c, err := os.ReadFile(*cert)
	if err != nil {
		return err
	}
	return os.WriteFile(*out, esl(o, c), 0o644)
}

// Layout of OVMF's variable store (edk2 MdeModulePkg/Include/Guid/VariableFormat.h).
const (
	varStartID    = 0x55aa
	varAdded      = 0x3f
	authHeaderLen = 60 // StartId, State, Reserved, Attributes, MonotonicCount, TimeStamp, PubKeyIndex, NameSize, DataSize, VendorGuid
	attrNV        = 0x01
	attrBS        = 0x02
	attrRT        = 0x04
	attrTimeAuth  = 0x20
)

// variable is one UEFI variable to write into the store.
type variable struct {
	name  string
	guid  string
	attrs uint32
	data  []byte
}

// appendVariables writes vars after the last variable of the firmware volume fv (an OVMF_VARS file) and returns
// the new volume; fv itself is not changed.
func appendVariables(fv []byte, vars []variable) ([]byte, error) {
	if len(fv) < 0x40 || string(fv[0x28:0x2c]) != "_FVH" {
		return nil, errors.New("not a firmware volume (no _FVH signature at offset 0x28)")
	}
	hdrLen := int(binary.LittleEndian.Uint16(fv[0x30:]))
	if hdrLen+28 > len(fv) || !bytes.Equal(fv[hdrLen:hdrLen+16], mustGUID(authVarStoreGUID)) {
		return nil, fmt.Errorf("no authenticated variable store at offset %#x", hdrLen)
	}
	storeSize := int(binary.LittleEndian.Uint32(fv[hdrLen+16:]))
	storeEnd := hdrLen + storeSize
	if storeEnd > len(fv) {
		return nil, fmt.Errorf("variable store size %d runs past the end of the file (%d bytes)", storeSize, len(fv))
	}
	out := append([]byte{}, fv...)
	off := hdrLen + 28
	for off+authHeaderLen <= storeEnd && binary.LittleEndian.Uint16(out[off:]) == varStartID {
		nameSize := int(binary.LittleEndian.Uint32(out[off+36:]))
		dataSize := int(binary.LittleEndian.Uint32(out[off+40:]))
		off = (off + authHeaderLen + nameSize + dataSize + 3) &^ 3
	}
	for _, v := range vars {
		name := append(ucs2(v.name), 0, 0)
		n := authHeaderLen + len(name) + len(v.data)
		if off+n > storeEnd {
			return nil, fmt.Errorf("variable %s does not fit in the store", v.name)
		}
		h := out[off : off+authHeaderLen]
		binary.LittleEndian.PutUint16(h[0:], varStartID)
		h[2], h[3] = varAdded, 0
		binary.LittleEndian.PutUint32(h[4:], v.attrs)
		clear(h[8:36]) // MonotonicCount, TimeStamp (zero: the earliest time, so that later signed updates pass), PubKeyIndex
		binary.LittleEndian.PutUint32(h[36:], uint32(len(name)))
		binary.LittleEndian.PutUint32(h[40:], uint32(len(v.data)))
		copy(h[44:], mustGUID(v.guid))
		copy(out[off+authHeaderLen:], name)
		copy(out[off+authHeaderLen+len(name):], v.data)
		off = (off + n + 3) &^ 3
	}
	return out, nil
}

func runVars(args []string) error {
	fs := flag.NewFlagSet("vars", flag.ContinueOnError)
	in := fs.String("in", "/usr/share/OVMF/OVMF_VARS_4M.fd", "OVMF's empty variable store")
	out := fs.String("out", "", "output file")
	parse := keyFlags(fs)
	k, err := parse(args)
	if err != nil {
		return err
	}
	fv, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	auth := uint32(attrNV | attrBS | attrRT | attrTimeAuth)
	res, err := appendVariables(fv, []variable{
		{"db", imageSecurityDBGUID, auth, esl(k.owner, k.db)},
		{"KEK", globalVariableGUID, auth, esl(k.owner, k.kek)},
		{"PK", globalVariableGUID, auth, esl(k.owner, k.pk)},
		{"SecureBootEnable", secureBootEnableGUID, attrNV | attrBS, []byte{1}},
		{"CustomMode", customModeGUID, attrNV | attrBS, []byte{0}},
	})
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	return os.WriteFile(*out, res, 0o644)
}

// pcr is a sha256 PCR being extended.
type pcr [32]byte

func (p *pcr) extend(digest []byte) {
	h := sha256.New()
	h.Write(p[:])
	h.Write(digest)
	copy(p[:], h.Sum(nil))
}

func (p *pcr) extendData(data []byte) {
	d := sha256.Sum256(data)
	p.extend(d[:])
}

// variableData is a UEFI_VARIABLE_DATA, what the firmware measures for a Secure Boot variable.
func variableData(guid, name string, data []byte) []byte {
	var b bytes.Buffer
	b.Write(mustGUID(guid))
	_ = binary.Write(&b, binary.LittleEndian, uint64(len(utf16.Encode([]rune(name)))))
	_ = binary.Write(&b, binary.LittleEndian, uint64(len(data)))
	b.Write(ucs2(name))
	b.Write(data)
	return b.Bytes()
}

// separator is the EV_SEPARATOR event's data.
var separator = []byte{0, 0, 0, 0}

// predictPCR4 is the boot of EFI applications from a boot option (edk2 Tcg2Dxe): the "calling" action, the
// separator, then each application's Authenticode hash as it is loaded (the boot loader, then the UKI it starts).
func predictPCR4(authenticode ...[]byte) pcr {
	var p pcr
	p.extendData([]byte("Calling EFI Application from Boot Option"))
	p.extendData(separator)
	for _, a := range authenticode {
		p.extend(a)
	}
	return p
}

// predictPCR7 is the Secure Boot policy (SecureBoot, PK, KEK, db, an empty dbx), the separator, and the db entry
// that authorised the boot application.
func predictPCR7(k keys) pcr {
	var p pcr
	p.extendData(variableData(globalVariableGUID, "SecureBoot", []byte{1}))
	p.extendData(variableData(globalVariableGUID, "PK", esl(k.owner, k.pk)))
	p.extendData(variableData(globalVariableGUID, "KEK", esl(k.owner, k.kek)))
	p.extendData(variableData(imageSecurityDBGUID, "db", esl(k.owner, k.db)))
	p.extendData(variableData(imageSecurityDBGUID, "dbx", nil))
	p.extendData(separator)
	p.extendData(variableData(imageSecurityDBGUID, "db", signatureData(k.owner, k.db)))
	return p
}

// stubSections are the UKI sections systemd-stub (v252) measures into PCR 11, in its order: for each present, the
// name with its NUL, then the contents.
var stubSections = []string{".linux", ".osrel", ".cmdline", ".initrd", ".splash", ".dtb", ".pcrpkey"}

func predictPCR11(img *peImage) pcr {
	var p pcr
	for _, name := range stubSections {
		data, ok := img.section(name)
		if !ok {
			continue
		}
		p.extendData(append([]byte(name), 0))
		p.extendData(data)
	}
	return p
}

func runAuthenticode(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: imagetool authenticode FILE.efi")
	}
	img, err := readPE(args[0])
	if err != nil {
		return err
	}
	fmt.Println(hex.EncodeToString(img.authenticode()))
	return nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

// pcrFile is build/attesta.pcrs.json.
type pcrFile struct {
	Version    string            `json:"version"`
	Bank       string            `json:"bank"`
	PCRs       map[string]string `json:"pcrs"`
	UKI        string            `json:"uki_sha256"`
	Partitions []partition       `json:"partitions"`
	Note       string            `json:"note"`
}

type partition struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

func runPCRs(args []string) error {
	fs := flag.NewFlagSet("pcrs", flag.ContinueOnError)
	uki := fs.String("uki", "", "the signed unified kernel image")
	loader := fs.String("loader", "", "the signed boot loader that starts the UKI (systemd-boot), if any")
	version := fs.String("version", "", "the image's version")
	out := fs.String("out", "", "output file")
	var parts multiFlag
	fs.Var(&parts, "part", "NAME=FILE: a partition whose SHA-256 is recorded (repeatable)")
	parse := keyFlags(fs)
	k, err := parse(args)
	if err != nil {
		return err
	}
	img, err := readPE(*uki)
	if err != nil {
		return err
	}
	apps := [][]byte{img.authenticode()}
	if *loader != "" {
		l, err := readPE(*loader)
		if err != nil {
			return err
		}
		apps = [][]byte{l.authenticode(), img.authenticode()}
	}
	p4, p7, p11 := predictPCR4(apps...), predictPCR7(k), predictPCR11(img)
	f := pcrFile{
		Version: *version,
		Bank:    "sha256",
		PCRs: map[string]string{
			"4":  hex.EncodeToString(p4[:]),
			"7":  hex.EncodeToString(p7[:]),
			"11": hex.EncodeToString(p11[:]),
		},
		Note: "PCR 4: the boot loader (systemd-boot) and the UKI it starts, booted from the disk's boot option (OVMF, edk2 Tcg2Dxe); PCR 7: Secure Boot on with " +
			"this build's PK/KEK/db, empty dbx, and the db certificate that allowed the UKI; PCR 11: the UKI's " +
			"sections as systemd-stub measures them (systemd-pcrphase is masked in the image, so nothing follows)",
	}
	sum := sha256.Sum256(img.raw)
	f.UKI = hex.EncodeToString(sum[:])
	for _, pp := range parts {
		name, file, ok := strings.Cut(pp, "=")
		if !ok {
			return fmt.Errorf("-part %q: want NAME=FILE", pp)
		}
		fh, err := os.Open(file)
		if err != nil {
			return err
		}
		h := sha256.New()
		n, err := io.Copy(h, fh)
		fh.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		f.Partitions = append(f.Partitions, partition{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))})
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(*out, append(b, '\n'), 0o644)
}

func runStamp(args []string) error {
	fs := flag.NewFlagSet("stamp", flag.ContinueOnError)
	epoch := fs.Uint("epoch", 0, "the build time to write, in seconds since 1970 (SOURCE_DATE_EPOCH)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *epoch == 0 || *epoch > 0xffffffff {
		return errors.New("usage: imagetool stamp -epoch SECONDS FILE.efi")
	}
	path := fs.Arg(0)
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := stampPE(raw, uint32(*epoch)); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, raw, 0o644)
}
