#!/usr/bin/env bash
# Power cuts, for real (make image-powercut; POWERCUT_ROUNDS=3 in CI): the box (a test build of the image,
# IMAGE_TEST_LOCAL=1: the touch UI's listener reachable from the host, nothing else different) boots under qemu (TCG)
# + OVMF Secure Boot + swtpm with its disk opened cache=writethrough (every write the guest completes is on the
# host's disk; what the guest has not flushed is lost with the power). Each round:
#   1. power on; the appliance's start-up self-test must pass (the public listener answers only then: the journal's
#      structure, its newest signed checkpoint, the root recomputed, the last leaves re-hashed);
#   2. every evidence append the box acknowledged in earlier rounds must be in the journal, read through the touch
#      UI's journal screen (technician login with the PIN the first start showed on the console);
#   3. a burst of appends through the product's public interface (GET /attest?nonce=…: each answer is a TPM quote
#      and a journal leaf with the nonce, journaled before the answer is sent), and qemu is killed (SIGKILL: the
#      power goes) at a random moment during the burst.
# A last boot checks the last round. Results (rounds, appends acknowledged, lost) are added to
# image/powercut-results.txt (make image-powercut) or $OUT/powercut-results.txt (POWERCUT_RESULTS), one line per
# round, a header and a summary per run.
#
# Environment: OUT (default build), POWERCUT_IMAGE (default $OUT/powercut/attesta.img, with ovmf_vars.fd beside it;
# POWERCUT_BUILD=1 makes it: image/build.sh with IMAGE_TEST_LOCAL=1, reusing the last root when there is one),
# POWERCUT_ROUNDS (default 3), POWERCUT_MAX_CUT (latest cut, seconds into the burst, default 40), IMAGE_TEST_PORT
# (default 18473; +1 the touch UI, +2 the monitor), IMAGE_TEST_TIMEOUT (per boot, default 1200 s), IMAGE_TEST_KEEP=1.
{
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-build}
ROUNDS=${POWERCUT_ROUNDS:-3}
MAX_CUT=${POWERCUT_MAX_CUT:-40}
PORT=${IMAGE_TEST_PORT:-18473}
UIPORT=$((PORT + 1))
MONPORT=$((PORT + 2))
BOOT_TIMEOUT=${IMAGE_TEST_TIMEOUT:-1200}
IMG=${POWERCUT_IMAGE:-$OUT/powercut/attesta.img}
RESULTS=${POWERCUT_RESULTS:-$OUT/powercut-results.txt}
HOSTFWD=",hostfwd=tcp:127.0.0.1:$UIPORT-:8080"

if [ "${POWERCUT_BUILD:-}" = 1 ]; then
	reuse=
	[ -f "$OUT/image-work/packages.tsv" ] && reuse=1
	IMAGE_TEST_LOCAL=1 IMAGE_REUSE_ROOT=$reuse IMAGE_VERSION=${IMAGE_VERSION:-powercut-test} OUT=$OUT ./image/build.sh
	mkdir -p "$(dirname "$IMG")"
	cp --sparse=always "$OUT/attesta.img" "$IMG"
	cp "$OUT/ovmf_vars.fd" "$(dirname "$IMG")/ovmf_vars.fd"
fi
for f in "$IMG" "$(dirname "$IMG")/ovmf_vars.fd"; do
	[ -f "$f" ] || { echo "powercut: $f is missing (POWERCUT_BUILD=1 builds it)" >&2; exit 1; }
done
for t in qemu-system-x86_64 swtpm swtpm_setup curl od tpm2_dictionarylockout; do
	command -v "$t" >/dev/null || { echo "powercut: $t is missing (make setup-image)" >&2; exit 1; }
done

T=$(mktemp -d /tmp/attesta-powercut.XXXXXX)
. image/qemu-lib.sh
trap "box_cleanup powercut" EXIT

tpm_init
# The TPM's dictionary-attack parameters. A TPM counts every power cut (no TPM2_Shutdown) as a failed authorization
# and, at its limit, refuses DA-protected keys until its recovery time passes: swtpm's defaults (3 tries, 1000 s)
# locked the data partition's TPM-sealed key at the fourth boot of the first run (image/powercut-results.txt). The box
# does not set these parameters yet (tpm/, issue #13): with POWERCUT_DA=box (default) this test sets them as the
# box's provisioning must (1000 tries, 10 s recovery) and counts the power cuts; POWERCUT_DA=swtpm keeps swtpm's.
if [ "${POWERCUT_DA:-box}" = box ]; then
	swtpm socket --tpm2 --tpmstate dir="$T/tpm" --server type=tcp,port=$MONPORT --ctrl type=tcp,port=$((MONPORT + 1)) \
		--flags not-need-init,startup-clear &
	da_pid=$!
	sleep 1
	tpm2_dictionarylockout -T "swtpm:port=$MONPORT" --setup-parameters --max-tries=1000 --recovery-time=10 \
		--lockout-recovery-time=10
	tpm2_shutdown -T "swtpm:port=$MONPORT"
	kill "$da_pid"
	wait "$da_pid" 2>/dev/null || true
fi
cp --sparse=always "$IMG" "$T/disk.img"
cp "$(dirname "$IMG")/ovmf_vars.fd" "$T/vars.fd"
: >"$T/acked"
started=$(date -u +%FT%TZ)
{
	echo "# image/powercut.sh: started $started, TPM dictionary-attack parameters: ${POWERCUT_DA:-box}, image $IMG ($(sha256sum <"$IMG" | cut -c1-16)…), disk cache=writethrough, SIGKILL 0–${MAX_CUT}s into each burst"
	echo "# round	boot_s	selftest	acked_before	missing	appended	cut_at_s"
} >>"$RESULTS" # each run adds its own lines: earlier runs stay on record

ui() { curl -s -m 60 -b "$T/cookies" -c "$T/cookies" "$@"; }

# login: the technician's PIN from the first start's console line.
login() {
	local pin code
	pin=$(tr -d '\r' <"$T"/round1.console | grep -ao 'technician PIN [0-9]*' | head -1 | awk '{print $3}')
	[ -n "$pin" ] || { echo "powercut: no technician PIN on the first start's console" >&2; return 1; }
	rm -f "$T/cookies"
	code=$(ui -o /dev/null -w '%{http_code}' --data-urlencode "pin=$pin" "http://127.0.0.1:$UIPORT/login")
	[ "$code" = 303 ] || [ "$code" = 200 ] || { echo "powercut: login answered $code" >&2; return 1; }
}

# journal_text: every leaf of the journal as the touch UI's journal screen shows them, page by page, oldest first.
# A page that is not the journal screen (an HTTP error, a login page) fails the read, and so does a walk whose leaves
# are not exactly 0..N-1: a partial read must never count as a loss, nor hide one.
journal_text() {
	local from=0 page next code
	while :; do
		code=$(ui -o "$T/page.html" -w '%{http_code}' "http://127.0.0.1:$UIPORT/journal?from=$from") || return 1
		[ "$code" = 200 ] && grep -q 'id="journal"' "$T/page.html" || {
			echo "powercut: journal page from=$from answered $code: $(tr -s ' \n' ' ' <"$T/page.html" | head -c 300)"
			return 1
		}
		cat "$T/page.html"
		next=$(grep -ao 'journal?from=[0-9]*' "$T/page.html" | sed 's/.*=//' | sort -n | awk -v f="$from" '$1 > f {print; exit}')
		[ -n "$next" ] || break
		from=$next
	done
}

# journal_complete FILE: the leaves read are 0..N-1, each once at least.
journal_complete() {
	local n max
	n=$(grep -ao 'id="leaf-[0-9]*"' "$1" | sort -u | wc -l)
	max=$(grep -ao 'id="leaf-[0-9]*"' "$1" | tr -dc '0-9\n' | sort -n | tail -1)
	[ -n "$max" ] && [ "$n" -eq $((max + 1)) ] || { echo "powercut: the journal read has $n distinct leaves up to ${max:-none}"; return 1; }
}

# read_journal ROUND: the whole journal into $T/journal.html, three tries a minute apart; on failure the pages read
# are kept in $OUT/powercut-evidence/ for the record.
read_journal() {
	local try
	for try in 1 2 3; do
		if login && journal_text >"$T/journal.html" && journal_complete "$T/journal.html"; then
			return 0
		fi
		mkdir -p "$OUT/powercut-evidence"
		cp "$T/journal.html" "$OUT/powercut-evidence/round$1-try$try.html" 2>/dev/null || true
		sleep 60
	done
	return 1
}

# burst ROUND: appends through GET /attest until killed; each answered nonce is acknowledged.
burst() {
	local round=$1 i=0 nonce code
	while :; do
		i=$((i + 1))
		nonce=$(printf 'c0ffee%04x%06x%s' "$round" "$i" "$(od -An -N4 -tx1 /dev/urandom | tr -d ' ')")
		code=$(curl -s -m 120 -o "$T/answer" -w '%{http_code}' "http://127.0.0.1:$PORT/attest?nonce=$nonce" || true)
		if [ "$code" = 200 ] && [ "$(head -c 2 "$T/answer")" = PK ]; then
			echo "$nonce" >>"$T/acked"
		elif [ "$code" = 429 ]; then
			sleep 1
		fi
	done
}

lost_total=0 acked_total=0 rounds_done=0
for round in $(seq 1 $((ROUNDS + 1))); do
	boot_box "round$round" "$T/disk.img" "$T/vars.fd"
	selftest=ok
	if ! wait_listener "$BOOT_TIMEOUT"; then
		selftest=FAILED
		# Why, as far as the console tells: the data partition not unlocked (its key is sealed to the TPM), or else.
		tr -d '\r' <"$T/round$round.console" | grep -aq 'FAILED.*Setup for attesta-data' && selftest=FAILED:data-partition-not-unlocked
		echo "powercut: round $round: the appliance did not come up ($selftest)"
		console_tail "round$round" 40
	fi
	boot_s=$((($(now_ms) - boot_start) / 1000))
	missing=-
	acked_before=$(wc -l <"$T/acked")
	if [ "$selftest" = ok ]; then
		if read_journal "$round"; then
			missing=0
			while read -r n; do
				grep -q "$n" "$T/journal.html" || { missing=$((missing + 1)); echo "powercut: round $round: acknowledged nonce $n is not in the journal"; }
			done <"$T/acked"
		else
			selftest=journal-unreadable
			echo "powercut: round $round: the journal screen could not be read in full (pages kept in $OUT/powercut-evidence)"
		fi
	fi
	# Every check reads the whole journal and every nonce acknowledged so far: a loss in any round stays a loss.
	[ "$missing" != - ] && [ "$missing" -gt "$lost_total" ] && lost_total=$missing
	if [ "$round" -gt "$ROUNDS" ] || [ "$selftest" != ok ]; then
		printf '%s\t%s\t%s\t%s\t%s\t-\t-\n' "$round" "$boot_s" "$selftest" "$acked_before" "$missing" >>"$RESULTS"
		poweroff_box
		[ "$selftest" = ok ] || break
		continue
	fi
	cut=$((RANDOM % (MAX_CUT * 10) + 10))
	burst "$round" &
	burst_pid=$!
	sleep "$((cut / 10)).$((cut % 10))"
	poweroff_box KILL # the power cut: qemu dies mid-write; in-flight answers are not acknowledged
	kill "$burst_pid" 2>/dev/null || true
	wait "$burst_pid" 2>/dev/null || true
	burst_pid=
	appended=$(($(wc -l <"$T/acked") - acked_before))
	rounds_done=$((rounds_done + 1))
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$boot_s" "$selftest" "$acked_before" "$missing" "$appended" "$((cut / 10)).$((cut % 10))" >>"$RESULTS"
	echo "powercut: round $round: up after ${boot_s}s, self-test $selftest, $missing of $acked_before acknowledged appends missing; $appended appended, power cut at $((cut / 10)).$((cut % 10))s"
done
acked_total=$(wc -l <"$T/acked")
echo "# summary: $rounds_done power cuts, $acked_total appends acknowledged, $lost_total lost, finished $(date -u +%FT%TZ)" >>"$RESULTS"
tail -1 "$RESULTS"
if [ "$lost_total" -gt 0 ] || [ "$rounds_done" -lt "$ROUNDS" ]; then
	echo "powercut: FAIL"
	exit 1
fi
echo "powercut: all rounds passed"
exit
}
