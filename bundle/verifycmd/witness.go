package verifycmd

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/witness/cosig"
)

// keyList is a repeatable flag.
type keyList []string

func (k *keyList) String() string     { return strings.Join(*k, ",") }
func (k *keyList) Set(s string) error { *k = append(*k, s); return nil }

// WitnessFlags declares on fs the witness flags both verifiers share: --witness VKEY (repeatable: a witness's
// verifier key, or a file holding keys one per line, such as the demo's out/witness.vkey) and --min-witnesses N.
// The function it returns applies them to opts after fs.Parse; its errors are usage errors.
func WitnessFlags(fs *flag.FlagSet) func(opts *bundle.VerifyOptions) error {
	var keys keyList
	fs.Var(&keys, "witness", "a witness's verifier key, or a file of keys (one per line); repeatable: proofs/witness must carry their cosignatures")
	min := fs.Int("min-witnesses", 0, "how many of the --witness keys must have cosigned the delivery's checkpoint or a later one (default 1 with --witness)")
	return func(opts *bundle.VerifyOptions) error {
		var all []string
		for _, k := range keys {
			got, err := witnessKeys(k)
			if err != nil {
				return err
			}
			all = append(all, got...)
		}
		switch {
		case *min < 0:
			return fmt.Errorf("--min-witnesses %d: want 0 or more", *min)
		case *min > 0 && len(all) == 0:
			return fmt.Errorf("--min-witnesses %d without --witness: give the witnesses' keys", *min)
		case *min > len(all):
			return fmt.Errorf("--min-witnesses %d: only %d --witness keys given", *min, len(all))
		}
		opts.Witnesses, opts.MinWitnesses = all, *min
		if len(all) > 0 && *min == 0 {
			opts.MinWitnesses = 1
		}
		return nil
	}
}

// witnessKeys reads one --witness value: a key, or a file of keys.
func witnessKeys(arg string) ([]string, error) {
	text := arg
	if b, err := os.ReadFile(arg); err == nil {
		text = string(b)
	} else if !strings.Contains(arg, "+") {
		return nil, fmt.Errorf("--witness %q: neither a key (<name>+<hash>+<key>) nor a readable file: %v", arg, err)
	}
	var keys []string
	for l := range strings.SplitSeq(text, "\n") {
		if l = strings.TrimSpace(l); l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if _, err := cosig.Verifier(l); err != nil {
			return nil, fmt.Errorf("--witness %s: %w", arg, err)
		}
		keys = append(keys, l)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("--witness %s: no key", arg)
	}
	return keys, nil
}
