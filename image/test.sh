#!/usr/bin/env bash
# The appliance image's boot test (make image-test): boots build/attesta.img as the box boots it, under
# qemu-system-x86_64 (TCG, no KVM) with OVMF Secure Boot enrolled with the build's keys (build/ovmf_vars.fd) and
# swtpm, the box's public listener (8443) forwarded to a loopback port, and checks from outside, through the
# network and the serial console only (the box has no shell):
#   1. first boot: the public listener answers (time from power-on measured); the PCRs the boot produced equal
#      build/attesta.pcrs.json; the root is the dm-verity device, squashfs, read-only; nothing listens beyond
#      loopback but the public port; the data partition is encrypted with a TPM-sealed key; the box's screen (a
#      screenshot through qemu's monitor) shows the touch UI, not the console (time from power-on measured); the
#      signed TPM policy on the ESP (build/attesta.policy.json) verifies with the pinned image-policy key and binds
#      the PCRs of build/attesta.pcrs.json, the box's signing key (its TPMT_PUBLIC in the /attest ZIP) is bound to
#      that key's signed policies, and the appliance's attestation self-check (a test signature) passed;
#   2. second boot (same disk, same TPM): the data partition unlocks with the TPM, the listener answers again;
#   3. one byte flipped in the root partition: the boot stops, and the console says dm-verity;
#   4. the UKI replaced by the same one unsigned: the firmware refuses it (Secure Boot), Linux never starts.
# It works on copies; build/ is not changed. Timings: build/image-test.times.
#
# Environment: OUT (default build), IMAGE_TEST_PORT (host port for the public listener, default 18443),
# IMAGE_TEST_TIMEOUT (seconds a boot may take to answer, default 900), IMAGE_TEST_KEEP=1 keeps the work folder,
# IMAGE_TEST_DISK_MB (the box's disk, default 2048: the image is grown to it), IMAGE_TEST_SHORT=1 (CI: no second
# boot).
# (The whole script is read before it runs: editing it during a build does not change that build.)
{
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-build}
PORT=${IMAGE_TEST_PORT:-18443}
BOOT_TIMEOUT=${IMAGE_TEST_TIMEOUT:-900}
img=$OUT/attesta.img
for f in "$img" "$OUT/ovmf_vars.fd" "$OUT/attesta.pcrs.json" "$OUT/attesta-a.unsigned.efi"; do
	[ -f "$f" ] || { echo "image-test: $f is missing: make image first" >&2; exit 1; }
done
for t in qemu-system-x86_64 swtpm swtpm_setup curl mcopy sfdisk jq; do
	command -v "$t" >/dev/null || { echo "image-test: $t is missing (make setup-image)" >&2; exit 1; }
done

T=$(mktemp -d /tmp/attesta-image-test.XXXXXX)
qemu_pid= swtpm_pid=
cleanup() {
	[ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null || true
	[ -n "$swtpm_pid" ] && kill "$swtpm_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	[ "${IMAGE_TEST_KEEP:-}" = 1 ] && echo "image-test: kept $T" || rm -rf "$T"
}
trap cleanup EXIT
failures=0
now_ms() { echo $(($(date +%s%N) / 1000000)); }
pass() { echo "image-test: ok   $*"; }
fail() { echo "image-test: FAIL $*"; failures=$((failures + 1)); }
times=$OUT/image-test.times
: >"$times"

# The screenshots' judge.
go build -o "$T/imagetool" ./image/imagetool

# The TPM: one state for the whole run, with an EK certificate as a real TPM has.
mkdir -p "$T/tpm"
swtpm_setup --tpm2 --tpmstate "$T/tpm" --create-ek-cert --create-platform-cert --overwrite >"$T/swtpm_setup.log" 2>&1 ||
	{ cat "$T/swtpm_setup.log"; exit 1; }

# boot NAME DISK: powers the box on (a new swtpm on the shared state, the firmware variables of the build), with
# its serial console in $T/NAME.console.
boot() {
	local name=$1 disk=$2
	cp "$OUT/ovmf_vars.fd" "$T/$name.vars.fd"
	rm -f "$T/swtpm.sock"
	swtpm socket --tpm2 --tpmstate dir="$T/tpm" --ctrl type=unixio,path="$T/swtpm.sock" --terminate \
		--log file="$T/$name.swtpm.log" &
	swtpm_pid=$!
	for _ in $(seq 50); do [ -S "$T/swtpm.sock" ] && break; sleep 0.1; done
	boot_start=$(now_ms)
	# The screen: a virtio GPU, as the box's Intel GPU a KMS driver with PRIME import, which the kiosk's compositor
	# (wlroots 0.15) requires of every display device; qemu's standard VGA (bochs-drm) has none, and cage cannot start.
	qemu-system-x86_64 -machine q35,smm=on -accel tcg -cpu max -smp 2 -m 2048 -vga none -device virtio-vga \
		-global driver=cfi.pflash01,property=secure,value=on \
		-drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd \
		-drive if=pflash,format=raw,unit=1,file="$T/$name.vars.fd" \
		-drive if=none,id=disk,format=raw,cache=writethrough,file="$disk" \
		-device virtio-blk-pci,drive=disk,bootindex=0 \
		-chardev socket,id=chrtpm,path="$T/swtpm.sock" -tpmdev emulator,id=tpm0,chardev=chrtpm \
		-device tpm-tis,tpmdev=tpm0 \
		-netdev user,id=net0,hostfwd=tcp:127.0.0.1:$PORT-:8443 -device virtio-net-pci,netdev=net0,romfile= \
		-display none -monitor unix:"$T/$name.monitor",server=on,wait=off -serial file:"$T/$name.console" -no-reboot &
	qemu_pid=$!
}

poweroff() {
	kill "$qemu_pid" 2>/dev/null || true
	wait "$qemu_pid" 2>/dev/null || true
	qemu_pid=
	kill "$swtpm_pid" 2>/dev/null || true
	wait "$swtpm_pid" 2>/dev/null || true
	swtpm_pid=
}

# wait_console NAME PATTERN SECONDS: waits until the console shows PATTERN (extended regex); fails on timeout or
# when qemu stopped.
wait_console() {
	local name=$1 pat=$2 limit=$3 start
	start=$(date +%s)
	while [ $(($(date +%s) - start)) -lt "$limit" ]; do
		grep -aEq "$pat" "$T/$name.console" 2>/dev/null && return 0
		kill -0 "$qemu_pid" 2>/dev/null || { grep -aEq "$pat" "$T/$name.console" 2>/dev/null; return; }
		sleep 1
	done
	return 1
}

# wait_listener NAME: waits until the public listener answers GET /static/style.css with 200; prints the seconds
# since power-on.
wait_listener() {
	local name=$1 code
	while :; do
		code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$PORT/static/style.css" || true)
		if [ "$code" = 200 ]; then
			ms=$(($(now_ms) - boot_start))
			printf '%d.%01d\n' $((ms / 1000)) $((ms % 1000 / 100))
			return 0
		fi
		kill -0 "$qemu_pid" 2>/dev/null || return 1
		[ $(($(now_ms) - boot_start)) -gt $((BOOT_TIMEOUT * 1000)) ] && return 1
		sleep 2
	done
}

# wait_ui NAME: takes screenshots of the box's screen (qemu's monitor) until it shows the touch UI (imagetool screen
# tells it by its colours from the text console); prints the seconds since power-on. The last screenshot is kept as
# $OUT/image-test.screen.png.
wait_ui() {
	local name=$1 ms
	while :; do
		if "$T/imagetool" screen -monitor "$T/$name.monitor" -png "$T/screen.png" -want-ui >"$T/screen.txt" 2>&1; then
			ms=$(($(now_ms) - boot_start))
			printf '%d.%01d\n' $((ms / 1000)) $((ms % 1000 / 100))
			cp "$T/screen.png" "$OUT/image-test.screen.png"
			return 0
		fi
		[ -f "$T/screen.png" ] && cp "$T/screen.png" "$OUT/image-test.screen.png"
		kill -0 "$qemu_pid" 2>/dev/null || return 1
		# The boot report gave up on the kiosk (5 minutes): waiting longer shows nothing new.
		tr -d '\r' <"$T/$name.console" | grep -aq 'attesta-kiosk not connected' && return 1
		[ $(($(now_ms) - boot_start)) -gt $((BOOT_TIMEOUT * 1000)) ] && return 1
		sleep 5
	done
}

# report: the boot report's lines, without the console's prefixes (time, unit).
report() { tr -d '\r' <"$T/boot1.console" | grep -ao 'attesta-\(pcr\|root\|listen\|kiosk\|kiosk-log\|policy\|attestation\) .*'; }

console_tail() { echo "---- $1 console (last 30 lines)"; tail -n 30 "$T/$1.console" | tr -d '\r'; echo ----; }

# 1. First boot.
cp --sparse=always "$img" "$T/disk.img"
# The box's disk is larger than the image (sparse here): the first boot grows slot B and the data partition onto it.
truncate -s "${IMAGE_TEST_DISK_MB:-2048}M" "$T/disk.img"
boot boot1 "$T/disk.img"
if secs=$(wait_listener boot1); then
	pass "first boot: the public listener answers on 127.0.0.1:$PORT after ${secs}s from power-on"
	echo "first-boot power-on to public listener: ${secs}s" >>"$times"
else
	fail "first boot: the public listener did not answer within ${BOOT_TIMEOUT}s"
	console_tail boot1
fi
if secs=$(wait_ui boot1); then
	pass "first boot: the screen shows the touch UI (Chromium in the kiosk) after ${secs}s from power-on: $(cat "$T/screen.txt")"
	echo "first-boot power-on to the touch UI on the screen: ${secs}s" >>"$times"
else
	fail "first boot: the screen does not show the touch UI: $(cat "$T/screen.txt" 2>/dev/null) ($OUT/image-test.screen.png)"
fi
if wait_console boot1 'attesta-boot-report done' 600; then
	# Read once into a file: a reader that stops early (grep -q, awk's exit) must not fail the pipeline (pipefail).
	report >"$T/report.txt" || true
	if grep -q '^attesta-kiosk connected' "$T/report.txt"; then
		pass "the kiosk (cage + Chromium) is connected to the touch UI inside the box"
	else
		# Not yet a failure: under TCG on a loaded machine Chromium may take longer than the report waits, and the
		# console does not say why. Reported so that it is not mistaken for a pass.
		echo "image-test: WARN the kiosk did not connect to the touch UI within the boot report's 5 minutes"
		grep '^attesta-kiosk-log ' "$T/report.txt" | sed 's/^/image-test:   /' || true
	fi
	for i in 4 7 11; do
		got=$(awk -v i="$i" '$1 == "attesta-pcr" && $2 == i {print tolower($3); exit}' "$T/report.txt")
		want=$(jq -r ".pcrs[\"$i\"]" "$OUT/attesta.pcrs.json")
		if [ "$got" = "$want" ]; then pass "PCR $i is the predicted $want"; else fail "PCR $i is $got, predicted $want"; fi
	done
	rootline=$(grep -m1 '^attesta-root ' "$T/report.txt" || true)
	if [[ $rootline =~ ^attesta-root\ /dev/mapper/root\ squashfs\ ro[,\ ] ]]; then
		pass "the root is read-only: $rootline"
	else
		fail "the root is not the read-only verity device: $rootline"
	fi
	others=$(grep '^attesta-listen ' "$T/report.txt" | awk '{print $2, $3}' |
		grep -Ev ' (127\.[0-9.]+|\[::1\]):[0-9]+$' | grep -Ev '^tcp (0\.0\.0\.0|\[::\]):8443$' |
		grep -Ev '^udp [^ ]*:(68|546)$' || true)
	if [ -z "$others" ]; then
		pass "nothing listens beyond loopback but the public port 8443 (and the DHCP client)"
	else
		fail "listening beyond loopback: $(echo "$others" | tr '\n' ' ')"
	fi
	if pol=$(report | grep -m1 '^attesta-policy .*/slot-a\.json: VALID: '); then
		pass "the box's signed TPM policy verifies with its pinned image-policy key: ${pol#attesta-policy }"
	else
		fail "no valid signed TPM policy for slot a on the box's ESP: $(report | grep '^attesta-policy ' | tr '\n' ' ')"
	fi
	att=$(report | grep -m1 '^attesta-attestation ' || true)
	if [[ $att == *'"ok":true'* ]]; then
		pass "the appliance's attestation self-check passed (quote against the signed policy, test signature): ${att#attesta-attestation }"
	else
		fail "the appliance's attestation self-check did not pass: ${att:-no report}"
	fi
else
	fail "first boot: no boot report on the console"
	console_tail boot1
fi
# The signing key's policy, from outside: /attest's signing-key.tpmt has the authorized policy of the build's
# image-policy key, and the signed policy the build put on the ESP binds the predicted PCRs.
nonce=$(openssl rand -hex 20)
if ! curl -sf -m 300 -o "$T/attest.zip" "http://127.0.0.1:$PORT/attest?nonce=$nonce"; then
	fail "/attest?nonce=$nonce did not answer with the attestation ZIP"
elif out=$("$T/imagetool" policy -image-key "$OUT/image-policy.pub" -policy "$OUT/attesta.policy.json" \
	-pcrs "$OUT/attesta.pcrs.json" -attestation "$T/attest.zip" 2>&1); then
	while read -r line; do pass "$line"; done <<<"$out"
else
	fail "the signing key's policy: $(echo "$out" | tr '\n' ' ')"
fi
if grep -aq 'data partition encrypted, key sealed to the TPM' "$T/boot1.console"; then
	pass "first boot: the data partition is LUKS2 with its key sealed to the TPM"
else
	fail "first boot: the data partition was not encrypted"
fi
if grow=$(grep -ao 'data partition grown to [0-9]* MiB, slot b to [0-9]* MiB' "$T/boot1.console"); then
	pass "first boot: the disk's free space taken: $grow"
else
	fail "first boot: slot B and the data partition were not grown onto the disk"
fi
poweroff

# 2. Second boot: the TPM unseals the data partition's key; nothing is formatted again.
if [ "${IMAGE_TEST_SHORT:-}" = 1 ]; then
	echo "image-test: skip second boot (IMAGE_TEST_SHORT=1)"
else
boot boot2 "$T/disk.img"
if secs=$(wait_listener boot2); then
	pass "second boot: the public listener answers after ${secs}s"
	echo "second-boot power-on to public listener: ${secs}s" >>"$times"
	if grep -aq 'first boot: encrypting' "$T/boot2.console"; then
		fail "second boot: the data partition was formatted again"
	else
		pass "second boot: the data partition was unlocked by the TPM, not formatted again"
	fi
else
	fail "second boot: the public listener did not answer"
	console_tail boot2
fi
poweroff
fi

# 3. One byte flipped in the root partition (inside the squashfs superblock block, read at mount): dm-verity
#    stops the boot.
root_start=$(sfdisk -J "$img" | jq '.partitiontable.partitions[] | select(.name == "attesta-root-a") | .start')
cp --sparse=always "$img" "$T/flipped.img"
off=$((root_start * 512 + 100))
byte=$(od -An -tu1 -j "$off" -N1 "$T/flipped.img" | tr -d ' ')
printf "$(printf '\\%03o' $((byte ^ 0xff)))" | dd of="$T/flipped.img" bs=1 seek="$off" conv=notrunc status=none
boot flipped "$T/flipped.img"
start=$(date +%s)
if wait_console flipped 'BOOT STOPPED|dm-verity device corrupted|verity.*corrupt' 600; then
	sleep 5
	if grep -aq 'attesta-boot-report\|Reached target' "$T/flipped.console"; then
		fail "flipped byte: the console reports dm-verity, but the system started"
	else
		pass "flipped byte in the root: the boot stops: $(grep -aE 'BOOT STOPPED|corrupt' "$T/flipped.console" | tr -d '\r' | head -2 | tr '\n' ' ')"
	fi
else
	fail "flipped byte in the root: no dm-verity stop on the console"
	console_tail flipped
fi
echo "flipped-byte boot to the dm-verity stop: $(($(date +%s) - start))s" >>"$times"
poweroff

# 4. The UKI unsigned: Secure Boot refuses it.
esp_start=$(sfdisk -J "$img" | jq '.partitiontable.partitions[] | select(.name == "ESP") | .start')
cp --sparse=always "$img" "$T/unsigned.img"
MTOOLS_SKIP_CHECK=1 mcopy -o -i "$T/unsigned.img@@$((esp_start * 512))" "$OUT/attesta-a.unsigned.efi" ::/EFI/BOOT/BOOTX64.EFI
boot unsigned "$T/unsigned.img"
start=$(date +%s)
if wait_console unsigned 'Access Denied|Security Violation|Linux version' 600 &&
	! grep -aq 'Linux version' "$T/unsigned.console"; then
	pass "unsigned UKI: the firmware refuses it: $(grep -aE 'Access Denied|Security Violation' "$T/unsigned.console" | tr -d '\r' | head -1)"
else
	fail "unsigned UKI: not refused by Secure Boot"
	console_tail unsigned
fi
echo "unsigned-UKI boot to the refusal: $(($(date +%s) - start))s" >>"$times"
poweroff

echo "image-test: timings (build/image-test.times):"
sed 's/^/  /' "$times"
if [ "$failures" -gt 0 ]; then
	echo "image-test: $failures check(s) failed"
	exit 1
fi
echo "image-test: all checks passed"
exit
}
