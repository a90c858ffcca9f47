package bundle

// Key rotation: a delivery made after the journal's checkpoint key was rotated carries proofs/keychain, the rotation
// leaves from the journal's first key to the key of proofs/checkpoint, so that a verifier that pinned the first key
// (VerifyOptions.Key) follows the chain instead of refusing the new key. After a TPM was replaced, the chain also
// passes a key epoch (format.Epoch), which only the authority vouches for: a pinned key is followed through it
// only with the authority's roots (VerifyOptions.Roots, verify --root); with nothing pinned and no roots, its
// signatures are checked and the verifier notes that its countersignature was not judged against a root.

import (
	"context"
	"fmt"

	"github.com/attesta/attesta/journal/format"
)

// keychainFile is the key chain of a delivery whose checkpoint key is not the journal's first ([format.KeyChain]).
const keychainFile = "proofs/keychain"

// KeyChainer is what a Journal that can rotate its key offers (*journal.Journal implements it): the chain of keys
// from its first one to the one in force at a tree size, with inclusion proofs in that tree.
type KeyChainer interface {
	KeyChain(ctx context.Context, treeSize uint64) (*format.KeyChain, error)
}

// keyChainOf returns the text of proofs/keychain for a checkpoint of j, or nil when j's key was never rotated
// before it (or j cannot say).
func keyChainOf(ctx context.Context, j Journal, cp *format.Checkpoint) ([]byte, error) {
	kc, ok := j.(KeyChainer)
	if !ok {
		return nil, nil
	}
	c, err := kc.KeyChain(ctx, cp.Size)
	if err != nil {
		return nil, err
	}
	if len(c.Links) == 0 {
		return nil, nil
	}
	if err := c.Included(cp); err != nil {
		return nil, err
	}
	return c.Marshal(), nil
}

// followKeyChain is called when the pinned key (VerifyOptions.Key) is not proofs/vkey: it accepts proofs/vkey only
// when proofs/keychain leads to it from the pinned key ("" when nothing is pinned: from the chain's own first
// key). The chain's inclusion in the checkpoint is checked once the checkpoint is parsed (keyChainIncluded).
func (v *verifier) followKeyChain(pinned, fileKey string) bool {
	if !v.has(keychainFile) {
		v.fail(CheckPinnedKey, vkeyFile, "pinnedkey.the-delivery-s-key-is", fileKey)
		return false
	}
	data, ok := v.read(CheckPinnedKey, keychainFile, format.MaxKeyChainSize)
	if !ok {
		return false
	}
	c, err := format.ParseKeyChain(data)
	if err != nil {
		v.failErr(CheckPinnedKey, keychainFile, "pinnedkey.invalid-key-chain", err)
		return false
	}
	if pinned == "" {
		pinned = c.First
	}
	var unanchored []string
	judge := func(e *format.Epoch, inForce string) error {
		if v.opts.Roots != nil || v.opts.Key != "" {
			return e.Check(inForce, v.opts.Roots) // without roots, a pinned key is not extended to a new TPM's key
		}
		signer, err := e.CheckSignatures(inForce)
		if err == nil {
			unanchored = append(unanchored, signer.Subject.CommonName)
		}
		return err
	}
	last, err := c.FollowEpochs(pinned, judge)
	if err != nil {
		v.failErr(CheckPinnedKey, keychainFile, "pinnedkey.invalid-key-chain", err)
		return false
	}
	if last != fileKey {
		v.failErr(CheckPinnedKey, keychainFile, "pinnedkey.invalid-key-chain",
			fmt.Errorf("the chain ends at key %s, the delivery's key is %s", last, fileKey))
		return false
	}
	v.chain = c
	for _, name := range unanchored {
		v.skip(CheckPinnedKey, keychainFile, "pinnedkey.epoch-not-anchored", name)
	}
	return true
}

// keyChainIncluded checks, once the checkpoint is known, that the chain's rotation leaves are in its tree.
func (v *verifier) keyChainIncluded() {
	if v.chain == nil || v.cp == nil {
		return
	}
	if err := v.chain.Included(v.cp); err != nil {
		v.failErr(CheckPinnedKey, keychainFile, "pinnedkey.invalid-key-chain", err)
		return
	}
	v.pass(CheckPinnedKey, keychainFile, "pinnedkey.followed-rotations", len(v.chain.Links))
}
