#!/usr/bin/env bash
# make image-repro: builds the image a second time, from the same commit, packages and keys, into build/repro, and
# checks that every output is byte-identical to build/'s (which it builds first when missing or from another
# commit). Prints the first differing file.
# (The whole script is read before it runs: editing it during a build does not change that build.)
{
set -euo pipefail
cd "$(dirname "$0")/.."
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
version=$(git describe --always --tags)
if [ ! -f build/attesta.pcrs.json ] || [ "$(jq -r .version build/attesta.pcrs.json)" != "$version" ]; then
	./image/build.sh
fi
rm -rf build/repro
OUT=build/repro IMAGE_KEYS=build/keys ./image/build.sh
status=0
for f in attesta.img attesta.pcrs.json ovmf_vars.fd attesta.manifest attesta-a.efi; do
	if cmp -s "build/$f" "build/repro/$f"; then
		echo "image-repro: same   $f $(sha256sum <"build/$f" | cut -d' ' -f1)"
	else
		echo "image-repro: DIFFER $f"
		status=1
	fi
done
exit $status
exit
}
