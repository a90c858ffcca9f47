// Package update installs a signed appliance image into the inactive root slot and lets the next boot decide: the
// new slot is blessed once the appliance's start-up self-test passed, or the firmware's boot manager falls back to
// the old slot when the new one used up its tries. Every step is a journal leaf.
//
// # The update file (attesta.image-update/v1)
//
// A POSIX tar (ustar) archive whose members come in this order:
//
//	manifest.json   {"format":"attesta.image-update/v1","version":V,"roothash":H,"files":[{"name","size","sha256"}…]}
//	manifest.sig    ECDSA P-256 signature (ASN.1 DER) over SHA-256(manifest.json), by the project's image key
//	root.img        the root slot: squashfs followed by its dm-verity hash tree
//	uki-a.efi       the signed unified kernel image that boots that root from slot a (attesta.slot=a)
//	uki-b.efi       the same for slot b
//	policy-a.json   the signed TPM policy (attesta.tpm.policy/v1) of uki-a.efi: the PCRs a genuine boot of it
//	                produces and the policy version, signed with the image-policy key (optional, with policy-b.json)
//	policy-b.json   the same for uki-b.efi
//
// The manifest lists root.img, uki-a.efi and uki-b.efi, then policy-a.json and policy-b.json or neither, in that
// order, each with its size and SHA-256; nothing else is accepted. The box pins the image key's public key in its root (dm-verity protected, /etc/attesta/image-key.pem):
// an update signed with another key, a member that differs from the signed manifest, a truncated file, or a version
// that is not newer than the running one (compared as systemd-boot compares versions, see [CompareVersions]) is
// refused before anything is written. A version has no '+' or '/': it goes into a file name.
//
// # Boot entries and boot counting (systemd-boot)
//
// The ESP holds systemd-boot as the firmware's default loader and one unified kernel image per root slot, as
// systemd-boot's Type #2 entries: EFI/Linux/attesta-VERSION-SLOT.efi for a blessed slot, and
// EFI/Linux/attesta-VERSION-SLOT+LEFT-DONE.efi for a slot on trial. systemd-boot boots the newest version first,
// renames a trial entry on every try (LEFT-1, DONE+1), and sorts an entry with no tries left after every other: the
// old slot boots again. An update:
//
//  1. checks the file (signature, every member, the version): leaf image-update-verified;
//  2. removes the inactive slot's boot entry, so that a slot half written is never booted, then writes root.img into
//     the inactive slot, flushes it and reads it back: leaf image-update-slot-written;
//  3. on a box whose signing key is bound to signed TPM policies ([Updater].PolicyKey): the slot's signed policy,
//     checked before anything is written (the image-policy key's signature, the update's version, not below the
//     TPM's anti-rollback counter; an update without policies is refused), is written to the ESP as
//     attesta/policies/slot-SLOT.json, replacing that of the image the slot held: leaf image-update-policy;
//  4. writes the new UKI for that slot as a trial entry with TRIES tries (temporary file, fsync, rename, fsync of the
//     directory): leaf image-update-boot-entry.
//
// On each boot [Bless] looks at the entries: the booted slot on trial is blessed (renamed without its counter, leaf
// image-update-blessed) once the appliance opened and passed its self-test, and then (attesta image settle) the
// TPM's anti-rollback counter moves up to the new image's policy version, journaled by the appliance: the old
// image's policy is refused from then on; a newer trial entry of the other slot with no tries left means the new
// image failed and the box fell back: leaf image-update-fallback, the dead entry is removed, and the counter is left
// alone.
package update
