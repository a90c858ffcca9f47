package aproto

import (
	"maps"
	"slices"
	"strings"
)

// Banner is the system-identity string carried by CNXN:
// "<type>::<key>=<value>;...;features=<f1>,<f2>,...".
type Banner struct {
	Type       string            // "device", "host", "recovery", ...
	Properties map[string]string // ro.product.name, ro.product.model, ro.product.device
	Features   []string
}

// ParseBanner splits a CNXN payload. It never fails: unknown parts are kept as
// properties, as adb itself does.
func ParseBanner(s string) Banner {
	s = strings.TrimRight(s, "\x00")
	var b Banner
	typ, rest, _ := strings.Cut(s, ":")
	b.Type = typ
	// The serial between the two colons is obsolete and always empty.
	if _, props, ok := strings.Cut(rest, ":"); ok {
		rest = props
	}
	b.Properties = map[string]string{}
	for kv := range strings.SplitSeq(rest, ";") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if k == "features" {
			b.Features = slices.DeleteFunc(strings.Split(v, ","), func(f string) bool { return f == "" })
			continue
		}
		b.Properties[k] = v
	}
	return b
}

// String formats the banner for a CNXN payload, properties in a stable order.
func (b Banner) String() string {
	var sb strings.Builder
	sb.WriteString(b.Type)
	sb.WriteString("::")
	for _, k := range slices.Sorted(maps.Keys(b.Properties)) {
		sb.WriteString(k + "=" + b.Properties[k] + ";")
	}
	sb.WriteString("features=" + strings.Join(b.Features, ","))
	return sb.String()
}

// HasFeature reports whether the banner advertises f.
func (b Banner) HasFeature(f string) bool { return slices.Contains(b.Features, f) }
