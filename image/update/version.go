package update

import (
	"fmt"
	"strings"
)

// CompareVersions orders two image versions as systemd-boot orders its entries' versions: runs of digits compare as
// numbers, other characters one by one, '~' sorts before everything (even the end), a run of digits after every
// letter. It returns -1, 0 or +1.
func CompareVersions(a, b string) int {
	for {
		switch {
		case a == "" && b == "":
			return 0
		case strings.HasPrefix(a, "~") || strings.HasPrefix(b, "~"):
			if !strings.HasPrefix(a, "~") {
				return 1
			}
			if !strings.HasPrefix(b, "~") {
				return -1
			}
			a, b = a[1:], b[1:]
			continue
		case a == "":
			return -1
		case b == "":
			return 1
		}
		da, db := isDigit(a[0]), isDigit(b[0])
		if da != db {
			if da {
				return 1
			}
			return -1
		}
		if !da {
			if a[0] != b[0] {
				if a[0] < b[0] {
					return -1
				}
				return 1
			}
			a, b = a[1:], b[1:]
			continue
		}
		na, ra := digits(a)
		nb, rb := digits(b)
		if c := compareNumbers(na, nb); c != 0 {
			return c
		}
		a, b = ra, rb
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func digits(s string) (run, rest string) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return strings.TrimLeft(s[:i], "0"), s[i:]
}

// compareNumbers compares two decimal numbers without leading zeros.
func compareNumbers(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// checkVersion refuses a version that cannot name a boot entry.
func checkVersion(v string) error {
	if v == "" || len(v) > 64 {
		return fmt.Errorf("version %q: want 1 to 64 characters", v)
	}
	for _, c := range []byte(v) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || strings.IndexByte(".-_~^", c) >= 0
		if !ok {
			return fmt.Errorf("version %q: character %q not allowed (letters, digits and . - _ ~ ^)", v, c)
		}
	}
	return nil
}
