#!/usr/bin/env bash
# The A/B image update test (make image-update-test): a box boots under qemu (TCG) + OVMF Secure Boot + swtpm as in
# image/test.sh, keeping its firmware variables and rebooting inside one qemu run, and is updated from USB sticks as
# a studio would update it:
#   1. the factory image V0 boots from slot a; a stick labelled ATTESTA-UPD holding V1's update file is plugged in:
#      the box checks the file, writes slot b, adds a trial boot entry and restarts; systemd-boot boots slot b on
#      trial, the initrd checks all of slot b against its signed root hash, the appliance's start-up self-test passes
#      and the slot is blessed, and the TPM's anti-rollback counter moves to V1's signed policy version: the public
#      listener answers, running V1 from slot b (the update wrote V1's signed TPM policy for slot b to the ESP);
#   2. a stick with a broken V2 (signed with the image key, but its root does not match the root hash its signed UKI
#      carries) is plugged in: installed into slot a with 3 tries; each try stops in the initrd's dm-verity check and
#      restarts; the tries used up, systemd-boot boots V1 from slot b again, and the fall-back is journaled (the
#      policy counter stays);
#   3. a stick with V1 again (not newer) and one whose file was tampered with are refused, and the box runs on.
# Each step's journal leaf is confirmed on the console by the unit that recorded it (attesta image update/settle
# print only after the leaf is durable).
#
# Inputs: the V0 image (UPDATE_BASE, default $OUT/v1.0.0: attesta.img, ovmf_vars.fd), V1's and V2's update files
# (UPDATE_V1, UPDATE_V2, default $OUT/v1.0.1/attesta-1.0.1.update and $OUT/v1.0.2/attesta-1.0.2.update), the image
# key ($OUT/keys/image.key) to sign the broken V2. UPDATE_TEST_BUILD=1 builds the three first (image/build.sh with
# IMAGE_VERSION 1.0.0, 1.0.1, 1.0.2 and IMAGE_POLICY_VERSION 1, 2, 3; IMAGE_REUSE_ROOT=1 after the first). Timings: $OUT/image-update-test.times.
# Environment: OUT (default build), IMAGE_TEST_PORT (default 18453), IMAGE_TEST_TIMEOUT (per boot, default 1200 s),
# IMAGE_TEST_KEEP=1 keeps the work folder.
{
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-build}
PORT=${IMAGE_TEST_PORT:-18453}
MONPORT=$((PORT + 1))
BOOT_TIMEOUT=${IMAGE_TEST_TIMEOUT:-1200}
BASE=${UPDATE_BASE:-$OUT/v1.0.0}
V1=${UPDATE_V1:-$OUT/v1.0.1/attesta-1.0.1.update}
V2=${UPDATE_V2:-$OUT/v1.0.2/attesta-1.0.2.update}

if [ "${UPDATE_TEST_BUILD:-}" = 1 ]; then
	reuse=
	for v in 1.0.0 1.0.1 1.0.2; do
		# Each release's signed TPM policy one version up: 1, 2, 3.
		IMAGE_VERSION=$v IMAGE_POLICY_VERSION=$((${v##*.} + 1)) IMAGE_REUSE_ROOT=$reuse OUT=$OUT ./image/build.sh
		reuse=1
		mkdir -p "$OUT/v$v"
		cp "$OUT/attesta-$v.update" "$OUT/v$v/"
		[ "$v" = 1.0.0 ] && cp --sparse=always "$OUT/attesta.img" "$OUT/ovmf_vars.fd" "$OUT/v$v/"
	done
fi
for f in "$BASE/attesta.img" "$BASE/ovmf_vars.fd" "$V1" "$V2" "$OUT/keys/image.key"; do
	[ -f "$f" ] || { echo "image-update-test: $f is missing (UPDATE_TEST_BUILD=1 builds it)" >&2; exit 1; }
done
for t in qemu-system-x86_64 swtpm swtpm_setup curl mkfs.fat mcopy tar jq go; do
	command -v "$t" >/dev/null || { echo "image-update-test: $t is missing (make setup-image)" >&2; exit 1; }
done

T=$(mktemp -d /tmp/attesta-update-test.XXXXXX)
. image/qemu-lib.sh
trap "box_cleanup image-update-test" EXIT
failures=0
pass() { echo "image-update-test: ok   $*"; }
fail() { echo "image-update-test: FAIL $*"; failures=$((failures + 1)); }
times=$OUT/image-update-test.times
: >"$times"
elapsed() { echo $((($(now_ms) - boot_start) / 1000)); }

go build -o "$T/attesta" ./cmd/attesta

# The broken V2: V2's members, one byte of its root changed, signed again with the image key (a release whose root
# does not match the root hash in its own signed UKI).
mkdir -p "$T/v2"
tar -xf "$V2" -C "$T/v2"
v2=$(jq -r .version "$T/v2/manifest.json")
printf '\xff' | dd of="$T/v2/root.img" bs=1 seek=$((8 * 1024 * 1024 + 17)) conv=notrunc status=none
policies=()
[ -f "$T/v2/policy-a.json" ] && policies=(--policy-a "$T/v2/policy-a.json" --policy-b "$T/v2/policy-b.json")
"$T/attesta" image bundle --key "$OUT/keys/image.key" --version "$v2" --roothash "$(jq -r .roothash "$T/v2/manifest.json")" \
	--root "$T/v2/root.img" --uki-a "$T/v2/uki-a.efi" --uki-b "$T/v2/uki-b.efi" "${policies[@]}" --out "$T/broken.update" >/dev/null
rm -rf "$T/v2"
# A tampered copy of V1: one byte of its root changed, the signature left as it was.
cp "$V1" "$T/tampered.update"
printf '\x00' | dd of="$T/tampered.update" bs=1 seek=$((4 * 1024 * 1024)) conv=notrunc status=none

# stick NAME FILE: a USB stick image (FAT, label ATTESTA-UPD) with FILE as attesta.update.
stick() {
	local size_kb=$(($(stat -c %s "$2") / 1024 + 16 * 1024))
	rm -f "$T/$1.img"
	mkfs.fat -F 32 -n ATTESTA-UPD -C "$T/$1.img" "$size_kb" >/dev/null
	MTOOLS_SKIP_CHECK=1 mcopy -i "$T/$1.img" "$2" ::/attesta.update
}
# plug NAME: plugs the stick into the box's USB port; unplug NAME takes it out.
plug() {
	monitor "drive_add 0 if=none,id=$1,format=raw,file=$T/$1.img"
	monitor "device_add usb-storage,bus=xhci.0,drive=$1,id=$1-dev,removable=on"
}
unplug() { monitor "device_del $1-dev"; }

v1=$(tar -xOf "$V1" manifest.json | jq -r .version)

tpm_init
cp --sparse=always "$BASE/attesta.img" "$T/disk.img"
cp "$BASE/ovmf_vars.fd" "$T/vars.fd"
stick v1 "$V1"
stick broken "$T/broken.update"
stick tampered "$T/tampered.update"
stick again "$V1"

# 1. The factory image, then V1 from a stick.
boot_box box "$T/disk.img" "$T/vars.fd"
if wait_listener "$BOOT_TIMEOUT"; then
	pass "factory image: the public listener answers after $(elapsed)s"
	echo "factory boot to the public listener: $(elapsed)s" >>"$times"
else
	fail "factory image: no answer within ${BOOT_TIMEOUT}s"
	console_tail box
	exit 1
fi
mark=$(console_lines box)
plug v1
boot_start=$(now_ms)
if wait_console box "image $v1 written to slot b" 900 "$mark"; then
	pass "update $v1 from the stick: written to slot b, trial boot entry, journaled ($(elapsed)s): $(tail -n +"$mark" "$T/box.console" | tr -d '\r' | grep -ao "image $v1 written to slot b.*" | head -1)"
	echo "update $v1 checked and written: $(elapsed)s" >>"$times"
else
	fail "update $v1: not written"
	console_tail box 40
fi
if wait_console box "slot b is on trial" 900 "$mark"; then
	pass "restarted: systemd-boot boots slot b on trial; the initrd checks all of it against its root hash"
else
	fail "slot b was not booted on trial"
	console_tail box 40
fi
unplug v1
if wait_console box "image $v1 in slot b passed its start-up self-test.*blessed" "$BOOT_TIMEOUT" "$mark"; then
	pass "slot b blessed after the appliance's start-up self-test (journaled)"
	echo "update $v1: stick in to blessed: $(elapsed)s" >>"$times"
	if line=$(tail -n +"$mark" "$T/box.console" | tr -d '\r' | grep -ao 'policy counter at [0-9]*.*' | head -1); then
		pass "the TPM's anti-rollback counter moved to $v1's signed policy version: $line"
	else
		fail "the TPM's policy counter was not advanced after the blessing: $(tail -n +"$mark" "$T/box.console" | tr -d '\r' | grep -ao 'policy counter was NOT.*' | head -1)"
	fi
else
	fail "slot b not blessed"
	console_tail box 40
fi
if wait_listener "$BOOT_TIMEOUT"; then
	pass "the public listener answers, running $v1 from slot b"
else
	fail "no answer after the update to $v1"
fi

# 2. The broken V2: written to slot a, fails its tries, the box falls back to V1 in slot b.
mark=$(console_lines box)
plug broken
boot_start=$(now_ms)
if wait_console box "image $v2 written to slot a" 900 "$mark"; then
	pass "broken update $v2 (signed, root not matching its UKI's root hash): written to slot a on trial"
else
	fail "broken update $v2: not written"
	console_tail box 40
fi
unplug broken
tries=$(wait_console box "image $v2 \(slot a\) failed after [0-9]+ boots: fell back to $v1 in slot b" "$BOOT_TIMEOUT" "$mark" && echo ok || echo no)
stops=$(tail -n +"$mark" "$T/box.console" | grep -ac 'slot a is on trial.*restarting' || true)
if [ "$tries" = ok ]; then
	pass "fall-back: the initrd stopped slot a $stops time(s) (dm-verity), systemd-boot went back to slot b; journaled: $(tail -n +"$mark" "$T/box.console" | tr -d '\r' | grep -ao "image $v2 (slot a) failed.*" | head -1)"
	echo "broken update $v2: stick in to the journaled fall-back: $(elapsed)s" >>"$times"
	if tail -n +"$mark" "$T/box.console" | grep -aq 'policy counter at'; then
		fail "the fall-back from $v2 moved the TPM's policy counter"
	else
		pass "the fall-back left the TPM's policy counter alone"
	fi
else
	fail "no fall-back from the broken $v2"
	console_tail box 60
fi
if wait_listener "$BOOT_TIMEOUT"; then
	pass "the public listener answers again, running $v1 from slot b"
else
	fail "no answer after the fall-back"
fi

# 3. Refusals: the same version again, a tampered file. The box stays up on V1.
for s in again tampered; do
	mark=$(console_lines box)
	plug "$s"
	if wait_console box 'attesta image: update: ' 600 "$mark"; then
		pass "stick '$s' refused: $(tail -n +"$mark" "$T/box.console" | tr -d '\r' | grep -ao 'attesta image: update: .*' | head -1 | cut -c1-200)"
	else
		fail "stick '$s' not refused"
		console_tail box 30
	fi
	unplug "$s"
	if wait_listener 600; then pass "the appliance runs on after the refusal"; else fail "the appliance did not come back"; fi
done
poweroff_box

echo "image-update-test: timings ($times):"
sed 's/^/  /' "$times"
if [ "$failures" -gt 0 ]; then
	echo "image-update-test: $failures check(s) failed"
	exit 1
fi
echo "image-update-test: all checks passed"
exit
}
