# Sourced by image/update-test.sh and image/powercut.sh: the box under qemu (TCG) + OVMF Secure Boot + swtpm, as
# image/test.sh boots it, with what those tests add: firmware variables kept across boots (a box keeps its NVRAM,
# and systemd-boot's boot counting lives on the ESP), reboots inside one qemu run, a monitor to plug a USB stick,
# and extra host forwards. Callers set T (work folder), OUT, PORT; boot_box sets qemu_pid and swtpm_pid.

qemu_pid= swtpm_pid= burst_pid=

# box_cleanup NAME: at exit, whatever runs is stopped and $T removed (kept with IMAGE_TEST_KEEP=1).
box_cleanup() {
	[ -n "$burst_pid" ] && kill "$burst_pid" 2>/dev/null || true
	[ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null || true
	[ -n "$swtpm_pid" ] && kill "$swtpm_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	[ "${IMAGE_TEST_KEEP:-}" = 1 ] && echo "$1: kept $T" || rm -rf "$T"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# tpm_init: one TPM state for the whole run, with an EK certificate as a real TPM has.
tpm_init() {
	mkdir -p "$T/tpm"
	swtpm_setup --tpm2 --tpmstate "$T/tpm" --create-ek-cert --create-platform-cert --overwrite >"$T/swtpm_setup.log" 2>&1 ||
		{ cat "$T/swtpm_setup.log"; return 1; }
}

# boot_box NAME DISK VARS [QEMU ARGS...]: powers the box on with its console in $T/NAME.console, the disk opened
# with cache=writethrough (every write the guest completes is on the host's disk), the public listener on
# 127.0.0.1:$PORT, the monitor on 127.0.0.1:$MONPORT. Reboots stay inside this qemu (no -no-reboot).
boot_box() {
	local name=$1 disk=$2 vars=$3
	shift 3
	rm -f "$T/swtpm.sock"
	swtpm socket --tpm2 --tpmstate dir="$T/tpm" --ctrl type=unixio,path="$T/swtpm.sock" \
		--terminate --log file="$T/$name.swtpm.log" &
	swtpm_pid=$!
	for _ in $(seq 50); do [ -S "$T/swtpm.sock" ] && break; sleep 0.1; done
	boot_start=$(now_ms)
	qemu-system-x86_64 -machine q35,smm=on -accel tcg -cpu max -smp 2 -m 2048 -vga none -device virtio-vga \
		-global driver=cfi.pflash01,property=secure,value=on \
		-drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd \
		-drive if=pflash,format=raw,unit=1,file="$vars" \
		-drive if=none,id=disk,format=raw,cache=${DISK_CACHE:-writethrough},file="$disk" \
		-device virtio-blk-pci,drive=disk,bootindex=0 \
		-chardev socket,id=chrtpm,path="$T/swtpm.sock" -tpmdev emulator,id=tpm0,chardev=chrtpm \
		-device tpm-tis,tpmdev=tpm0 -device qemu-xhci,id=xhci \
		-netdev user,id=net0,hostfwd=tcp:127.0.0.1:$PORT-:8443${HOSTFWD:-} -device virtio-net-pci,netdev=net0,romfile= \
		-display none -monitor tcp:127.0.0.1:$MONPORT,server,nowait -serial file:"$T/$name.console" "$@" &
	qemu_pid=$!
}

# monitor CMD: one command to qemu's monitor.
monitor() {
	local i
	for i in $(seq 50); do
		if exec 5<>/dev/tcp/127.0.0.1/$MONPORT 2>/dev/null; then
			printf '%s\n' "$1" >&5
			sleep 1
			exec 5>&-
			return 0
		fi
		sleep 0.2
	done
	return 1
}

# poweroff_box [SIGNAL]: qemu ends (TERM by default; KILL is a power cut), then swtpm.
poweroff_box() {
	kill -"${1:-TERM}" "$qemu_pid" 2>/dev/null || true
	wait "$qemu_pid" 2>/dev/null || true
	qemu_pid=
	kill "$swtpm_pid" 2>/dev/null || true
	wait "$swtpm_pid" 2>/dev/null || true
	swtpm_pid=
}

# wait_console NAME PATTERN SECONDS [FROM]: waits until the console shows PATTERN (extended regex) after its line FROM
# (default 0); fails on timeout or when qemu stopped.
wait_console() {
	local name=$1 pat=$2 limit=$3 from=${4:-0} start
	start=$(date +%s)
	while [ $(($(date +%s) - start)) -lt "$limit" ]; do
		tail -n +$((from + 1)) "$T/$name.console" 2>/dev/null | grep -aEq "$pat" && return 0
		kill -0 "$qemu_pid" 2>/dev/null || return 1
		sleep 2
	done
	return 1
}

# console_lines NAME: how many lines the console has so far.
console_lines() { wc -l <"$T/$1.console" 2>/dev/null || echo 0; }

# wait_listener SECONDS: waits until the public listener answers GET /static/style.css with 200.
wait_listener() {
	local limit=$1 start code
	start=$(date +%s)
	while [ $(($(date +%s) - start)) -lt "$limit" ]; do
		code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$PORT/static/style.css" || true)
		[ "$code" = 200 ] && return 0
		kill -0 "$qemu_pid" 2>/dev/null || return 1
		sleep 2
	done
	return 1
}

console_tail() { echo "---- $1 console (last ${2:-30} lines)"; tail -n "${2:-30}" "$T/$1.console" | tr -d '\r'; echo ----; }
