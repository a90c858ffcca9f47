package ios

import (
	"encoding/binary"
	"fmt"

	"github.com/attesta/attesta/capture/ios/plist"
)

// FileInfo is what Manifest.db's Files.file (an NSKeyedArchiver MBFile) says about one file.
type FileInfo struct {
	Size            int64
	Mode            int64
	LastModified    int64 // Unix seconds
	ProtectionClass uint32
	// WrappedKey is the file's key wrapped under its class key (40 bytes); nil in a plain backup.
	WrappedKey []byte
}

// ParseMBFile reads an MBFile archive.
func ParseMBFile(b []byte) (FileInfo, error) {
	var fi FileInfo
	v, err := plist.Parse(b)
	if err != nil {
		return fi, err
	}
	top, err := plist.Dict(v, "archive")
	if err != nil {
		return fi, err
	}
	objs, ok := top["$objects"].([]any)
	if !ok {
		return fi, fmt.Errorf("%w: no $objects", plist.ErrFormat)
	}
	tops, err := plist.Dict(top["$top"], "$top")
	if err != nil {
		return fi, err
	}
	deref := func(v any, what string) (any, error) {
		u, ok := v.(plist.UID)
		if !ok {
			return v, nil
		}
		if uint64(u) >= uint64(len(objs)) {
			return nil, fmt.Errorf("%w: %s: reference %d of %d objects", plist.ErrFormat, what, u, len(objs))
		}
		return objs[u], nil
	}
	rv, err := deref(tops["root"], "root")
	if err != nil {
		return fi, err
	}
	root, err := plist.Dict(rv, "root")
	if err != nil {
		return fi, err
	}
	ints := map[string]*int64{"Size": &fi.Size, "Mode": &fi.Mode, "LastModified": &fi.LastModified}
	for k, p := range ints {
		n, _, err := plist.Int(root, k)
		if err != nil {
			return fi, err
		}
		*p = n
	}
	if fi.Size < 0 {
		return fi, fmt.Errorf("%w: negative Size %d", plist.ErrFormat, fi.Size)
	}
	pc, _, err := plist.Int(root, "ProtectionClass")
	if err != nil {
		return fi, err
	}
	fi.ProtectionClass = uint32(pc)
	if ek, ok := root["EncryptionKey"]; ok {
		ev, err := deref(ek, "EncryptionKey")
		if err != nil {
			return fi, err
		}
		d, err := plist.Dict(ev, "EncryptionKey")
		if err != nil {
			return fi, err
		}
		data, ok, err := plist.Data(d, "NS.data")
		if err != nil || !ok {
			return fi, fmt.Errorf("%w: EncryptionKey without NS.data", plist.ErrFormat)
		}
		if len(data) != 44 {
			return fi, fmt.Errorf("%w: EncryptionKey of %d bytes, want 4 + 40", plist.ErrFormat, len(data))
		}
		fi.WrappedKey = clone(data[4:])
	}
	return fi, nil
}

// MarshalMBFile writes fi as Manifest.db does (for test backups): an NSKeyedArchiver archive of an MBFile.
func MarshalMBFile(fi FileInfo, relPath string) ([]byte, error) {
	root := map[string]any{
		"$class": plist.UID(3), "Size": fi.Size, "Mode": fi.Mode, "LastModified": fi.LastModified,
		"Birth": fi.LastModified, "LastStatusChange": fi.LastModified, "ProtectionClass": int64(fi.ProtectionClass),
		"UserID": int64(501), "GroupID": int64(501), "InodeNumber": int64(1), "Flags": int64(0),
		"RelativePath": plist.UID(2),
	}
	objs := []any{"$null", root, relPath, map[string]any{"$classname": "MBFile", "$classes": []any{"MBFile", "NSObject"}}}
	if fi.WrappedKey != nil {
		prefix := binary.LittleEndian.AppendUint32(nil, fi.ProtectionClass)
		root["EncryptionKey"] = plist.UID(len(objs))
		objs = append(objs, map[string]any{"NS.data": append(prefix, fi.WrappedKey...), "$class": plist.UID(len(objs) + 1)},
			map[string]any{"$classname": "NSMutableData", "$classes": []any{"NSMutableData", "NSData", "NSObject"}})
	}
	return plist.MarshalBinary(map[string]any{"$archiver": "NSKeyedArchiver", "$version": int64(100000),
		"$top": map[string]any{"root": plist.UID(1)}, "$objects": objs})
}
