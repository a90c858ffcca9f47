#!/usr/bin/env bash
# make image-ci: what CI runs for the appliance image: the build (make image) and the short boot test
# (IMAGE_TEST_SHORT=1: every check of image-test but the second boot), each timed; the times go to
# build/image-ci.times. Runs as root on a fresh Debian bookworm machine (make setup-image first).
{
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-build}
mkdir -p "$OUT"
t0=$(date +%s)
./image/build.sh
t1=$(date +%s)
IMAGE_TEST_SHORT=1 ./image/test.sh
t2=$(date +%s)
{
	echo "build: $((t1 - t0))s"
	echo "short boot test: $((t2 - t1))s"
	echo "total: $((t2 - t0))s (load: $(cut -d' ' -f1-3 /proc/loadavg))"
} | tee "$OUT/image-ci.times"
exit
}
