#!/usr/bin/env bash
# make image-repro: builds the image twice from the same commit, packages and keys (build/keys), into build/repro-a
# and build/repro-b, and checks that every output is byte-identical. The signed TPM policies on the ESP are compared too:
# their ECDSA signatures use RFC 6979 nonces, so the same image-policy key and PCRs give the same bytes. Where they differ it says where: partition by
# partition, then, for the root, file by file (the root trees the two builds put into their squashfs).
# The result goes to build/image-repro.txt.
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
A=build/repro-a B=build/repro-b
status=0
{
	echo "image-repro: $IMAGE_VERSION (SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH), two builds, $(date -u +%FT%TZ)"
	for f in attesta.img attesta.pcrs.json ovmf_vars.fd attesta.manifest attesta-a.efi attesta.policy.json image-policy.pub; do
		if cmp -s "$A/$f" "$B/$f"; then
			echo "image-repro: same   $f $(sha256sum <"$A/$f" | cut -d' ' -f1)"
		else
			echo "image-repro: DIFFER $f"
			status=1
		fi
	done
	if [ $status = 1 ]; then
		for p in esp.img policy-a.json policy-b.json root.sqfs root-a.img data.img root-b.img initrd.img vmlinuz attesta packages.tsv; do
			cmp -s "$A/image-work/$p" "$B/image-work/$p" && echo "image-repro:   same   $p" ||
				echo "image-repro:   DIFFER $p"
		done
		# The root trees: each file's type, mode, owner, link target and content hash.
		tree() {
			(cd "$1" && find . -path ./proc -prune -o -path ./sys -prune -o -path ./dev -prune -o -printf '%y %m %U:%G %p -> %l\n' |
				LC_ALL=C sort &&
				find . -type f -not -path './proc/*' -not -path './sys/*' -print0 | LC_ALL=C sort -z |
				xargs -0 sha256sum)
		}
		diff <(tree "$A/image-work/root") <(tree "$B/image-work/root") | sed 's/^/image-repro:   root /' | head -50 || true
	fi
} | tee build/image-repro.txt
grep -q DIFFER build/image-repro.txt && exit 1
exit 0
}
