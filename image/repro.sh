#!/usr/bin/env bash
# make image-repro: builds the image twice from the same commit, packages and keys (build/keys), into build/repro-a
# and build/repro-b, and checks that every output is byte-identical. Prints the first differing file.
{
set -euo pipefail
cd "$(dirname "$0")/.."
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
export IMAGE_VERSION=${IMAGE_VERSION:-$(git describe --always --tags)}
mkdir -p build/keys
for r in a b; do
	rm -rf "build/repro-$r"
	OUT=build/repro-$r IMAGE_KEYS=build/keys ./image/build.sh
done
status=0
for f in attesta.img attesta.pcrs.json ovmf_vars.fd attesta.manifest attesta-a.efi; do
	if cmp -s "build/repro-a/$f" "build/repro-b/$f"; then
		echo "image-repro: same   $f $(sha256sum <"build/repro-a/$f" | cut -d' ' -f1)"
	else
		echo "image-repro: DIFFER $f"
		status=1
	fi
done
exit $status
}
