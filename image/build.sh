#!/usr/bin/env bash
# Builds the appliance image (make image): build/attesta.img, build/attesta.pcrs.json, build/ovmf_vars.fd,
# build/attesta.manifest, build/attesta.policy.json (slot a's signed TPM policy), build/image-policy.pub, from
# Debian packages (mmdebstrap) and attesta built with -tags nosim. No loop devices and no mounts: the file systems
# are made from directories and written into the disk file at their offsets.
#
# Reproducible: SOURCE_DATE_EPOCH (the last commit's time by default), fixed UUIDs and salts, sorted inputs; the
# same commit, packages and keys give the same bytes (make image-repro checks it).
#
# Environment:
#   IMAGE_KEYS     folder with the Secure Boot keys PK/KEK/db (.key, .crt PEM), the image key (image.key: update
#                  files) and the image-policy key (image-policy.key: TPM policies), PEM EC P-256; made once,
#                  throw-away, when missing (default build/keys)
#   IMAGE_VERSION  the image's version (default: git describe)
#   IMAGE_POLICY_VERSION
#                  the version of the image's signed TPM policy (default 1): the release number, one more than the
#                  last released image's; the box refuses older policies once an update to it is blessed
#   IMAGE_MIRROR   the Debian mirror (default http://deb.debian.org/debian)
#   IMAGE_NTP      NTP servers baked into timesyncd.conf (default: none, the DHCP server's)
#   IMAGE_DEBCACHE the .deb files downloaded once (default build/debcache)
#   OUT            output folder (default build)
# (The whole script is read before it runs: editing it during a build does not change that build.)
{
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

OUT=${OUT:-build}
W=$OUT/image-work
KEYS=${IMAGE_KEYS:-$OUT/keys}
DEBCACHE=${IMAGE_DEBCACHE:-build/debcache}
MIRROR=${IMAGE_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
VERSION=${IMAGE_VERSION:-$(git describe --always --tags)}
POLICY_VERSION=${IMAGE_POLICY_VERSION:-1}
[[ $POLICY_VERSION =~ ^[1-9][0-9]{0,18}$ ]] ||
	{ echo "image: IMAGE_POLICY_VERSION=$POLICY_VERSION: want a whole number from 1" >&2; exit 1; }
export TZ=UTC LC_ALL=C.UTF-8
umask 022

# Fixed identities: the disk, its partitions, the verity superblocks (derived from nothing secret).
DISK_GUID=8a1b7c2e-5f60-4d3a-9e11-a77e57a00000
ESP_GUID=8a1b7c2e-5f60-4d3a-9e11-a77e57a00001
ROOTA_GUID=8a1b7c2e-5f60-4d3a-9e11-a77e57a00002
ROOTB_GUID=8a1b7c2e-5f60-4d3a-9e11-a77e57a00003
DATA_GUID=8a1b7c2e-5f60-4d3a-9e11-a77e57a00004
VERITY_UUID=8a1b7c2e-5f60-4d3a-9e11-a77e57a00010
OWNER_GUID=8a1b7c2e-5f60-4d3a-9e11-a77e57a000ff # owner of the Secure Boot signature lists
ESP_MB=64
# The data partition and slot B are small in the image and grown on the box's first boot (data-setup), when both are
# still blank: slot B to slot A's size at the end of the disk, the data partition to everything in between.
DATA_MB=32
SLOTB_MB=8

# Packages of the root file system. busybox-static is only for the initrd (taken out of the root below).
PACKAGES=(
	systemd systemd-sysv udev dbus libpam-systemd systemd-timesyncd systemd-resolved
	linux-image-amd64 nftables cryptsetup-bin e2fsprogs
	libtss2-esys-3.0.2-0 libtss2-mu0 libtss2-rc0 libtss2-tcti-device0
	cage seatd chromium fonts-dejavu-core ffmpeg
	adb ca-certificates fdisk
	busybox-static
)

need() { command -v "$1" >/dev/null || { echo "image: $1 is missing (make setup-image)" >&2; exit 1; }; }
for t in mmdebstrap mksquashfs veritysetup sfdisk mkfs.fat mcopy mmd objcopy sbsign faketime openssl cpio; do need "$t"; done
[ "$(id -u)" -eq 0 ] || { echo "image: the build runs as root (mmdebstrap --mode=root)" >&2; exit 1; }

root=$W/root
if [ "${IMAGE_REUSE_ROOT:-}" = 1 ] && [ -f "$W/packages.tsv" ]; then
	reuse=1 # development only: the root of the last build, with image/rootfs laid over it again
else
	reuse=0
	rm -rf "$W"
fi
mkdir -p "$W" "$DEBCACHE" "$KEYS"

echo "image: attesta (-tags nosim, CGO_ENABLED=0), version $VERSION"
CGO_ENABLED=0 go build -tags nosim -trimpath -buildvcs=false \
	-ldflags "-buildid= -X main.buildVersion=$VERSION" -o "$W/attesta" ./cmd/attesta
go build -trimpath -o "$W/imagetool" ./image/imagetool

# Secure Boot keys: PK, KEK, db. Throw-away ones are made once and kept, so that rebuilds are identical and the
# firmware variables stay valid; production keys come through IMAGE_KEYS.
for k in PK KEK db; do
	if [ ! -f "$KEYS/$k.key" ]; then
		echo "image: making a throw-away Secure Boot $k in $KEYS (not for production)"
		openssl req -new -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=Attesta test $k/" \
			-keyout "$KEYS/$k.key" -out "$KEYS/$k.crt" 2>/dev/null
	fi
	openssl x509 -in "$KEYS/$k.crt" -outform DER -out "$W/$k.der"
done
# The image key signs update files (attesta image update); the box pins its public key in the root.
if [ ! -f "$KEYS/image.key" ]; then
	echo "image: making a throw-away image key (update files) in $KEYS (not for production)"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$KEYS/image.key" 2>/dev/null
fi
openssl pkey -in "$KEYS/image.key" -pubout -out "$W/image-key.pem" 2>/dev/null
# The image-policy key signs each image's TPM policy (the PCRs of a genuine boot of each slot's UKI, and the policy
# version); the box's signing key is bound to it (PolicyAuthorize), its public key pinned in the root.
if [ ! -f "$KEYS/image-policy.key" ]; then
	echo "image: making a throw-away image-policy key (TPM policy) in $KEYS (not for production)"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$KEYS/image-policy.key" 2>/dev/null
fi
openssl pkey -in "$KEYS/image-policy.key" -pubout -out "$W/image-policy.pub" 2>/dev/null

if [ $reuse = 1 ]; then
	echo "image: root file system: the last build's (IMAGE_REUSE_ROOT=1, not for release)"
	image/customize.sh "$root" "$W" "$VERSION" --overlay
else
echo "image: root file system (mmdebstrap $SUITE)"
mmdebstrap --mode=root --variant=essential --format=directory --quiet \
	--aptopt='APT::Install-Recommends "false"' --dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
	--dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-include=/usr/share/locale/it/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
	--dpkgopt='path-exclude=/usr/lib/chromium/locales/*' --dpkgopt='path-include=/usr/lib/chromium/locales/it.pak' \
	--dpkgopt='path-include=/usr/lib/chromium/locales/en-US.pak' \
	--dpkgopt='path-exclude=/usr/lib/chromium/libVkLayer_khronos_validation.so' \
	--dpkgopt='path-exclude=/usr/share/icons/Adwaita/*' --dpkgopt='path-include=/usr/share/icons/Adwaita/index.theme' \
	--dpkgopt='path-include=/usr/share/icons/Adwaita/cursor.theme' \
	--dpkgopt='path-include=/usr/share/icons/Adwaita/cursors/*' \
	--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
	--include="$(IFS=,; echo "${PACKAGES[*]}")" \
	--skip=essential/unlink \
	--essential-hook='chroot "$1" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs' \
	--essential-hook='printf "#!/bin/sh\\n# the image builds its own initrd\\nexit 0\\n" >"$1/usr/sbin/update-initramfs"' \
	--essential-hook='chmod 755 "$1/usr/sbin/update-initramfs"' \
	--setup-hook='mkdir -p "$1/var/cache/apt/archives"' \
	--setup-hook="find '$DEBCACHE' -name '*.deb' -exec cp -l -t \"\$1/var/cache/apt/archives/\" {} + 2>/dev/null ||
		find '$DEBCACHE' -name '*.deb' -exec cp -t \"\$1/var/cache/apt/archives/\" {} +" \
	--customize-hook="find \"\$1/var/cache/apt/archives\" -name '*.deb' -exec cp -n -t '$DEBCACHE/' {} +" \
	--customize-hook="image/customize.sh \"\$1\" '$W' '$VERSION'" \
	"$SUITE" "$root" "deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" \
	"deb ${MIRROR%/debian}/debian-security $SUITE-security main"
fi

kver=$(cat "$W/kernel.version")

echo "image: initrd"
ird=$W/initrd
rm -rf "$ird"
mkdir -p "$ird"/{bin,dev,proc,sys,root,etc,lib/modules}
cp image/initrd/init "$ird/init"
cp "$W/busybox" "$ird/bin/busybox"
ln -s busybox "$ird/bin/sh"
cp -a "$W/initrd-extra/." "$ird/"
find "$ird" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
(cd "$ird" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible --owner=0:0) |
	gzip -9n >"$W/initrd.img"

echo "image: root slot (squashfs + dm-verity)"
env -u SOURCE_DATE_EPOCH mksquashfs "$root" "$W/root.sqfs" -noappend -quiet -comp zstd -Xcompression-level 6 -b 1M \
	-reproducible -mkfs-time "$SOURCE_DATE_EPOCH" -all-time "$SOURCE_DATE_EPOCH" -processors 2 \
	-e "$root/proc" -e "$root/sys" -e "$root/dev" >/dev/null
# The squashfs is padded to 4 KiB; the hash tree follows it in the same partition.
data_size=$(stat -c %s "$W/root.sqfs")
cp "$W/root.sqfs" "$W/root-a.img"
salt=$(printf '%s' "attesta-verity-$VERSION" | sha256sum | cut -c1-64)
veritysetup format --hash-offset="$data_size" --data-block-size=4096 --hash-block-size=4096 \
	--salt="$salt" --uuid="$VERITY_UUID" "$W/root-a.img" "$W/root-a.img" >"$W/verity.txt"
roothash=$(sed -n 's/^Root hash:[[:space:]]*//p' "$W/verity.txt")
slot_used=$(stat -c %s "$W/root-a.img") # squashfs + hash tree: what an update file carries
[ ${#roothash} -eq 64 ] || { echo "image: no root hash from veritysetup" >&2; exit 1; }

echo "image: unified kernel images (systemd-stub), signed, one per root slot"
cp "$root/etc/os-release" "$W/os-release"
stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
for slot in a b; do
	cmdline="attesta.slot=$slot attesta.roothash=$roothash attesta.hashoffset=$data_size ro lockdown=integrity"
	cmdline+=" module.sig_enforce=1 panic=0 systemd.gpt_auto=0 console=tty1 console=ttyS0,115200"
	printf '%s' "$cmdline" >"$W/cmdline-$slot"
	objcopy \
		--add-section .osrel="$W/os-release" --change-section-vma .osrel=0x20000 \
		--add-section .cmdline="$W/cmdline-$slot" --change-section-vma .cmdline=0x30000 \
		--add-section .linux="$W/vmlinuz" --change-section-vma .linux=0x2000000 \
		--add-section .initrd="$W/initrd.img" --change-section-vma .initrd=0x3000000 \
		"$stub" "$W/attesta-$slot.unsigned.efi"
	# objcopy writes the current time into the PE header (it ignores SOURCE_DATE_EPOCH): set it, so that PCR 4 and
	# the image are the same for two builds of one commit.
	"$W/imagetool" stamp -epoch "$SOURCE_DATE_EPOCH" "$W/attesta-$slot.unsigned.efi"
done
# systemd-boot (Debian's systemd-boot-efi, the same release as the stub) starts the UKIs and counts the tries of a
# new one (image/update); it is signed with the same db key.
cp /usr/lib/systemd/boot/efi/systemd-bootx64.efi "$W/systemd-boot.unsigned.efi"
# sbsign puts the current time in the signature (signingTime): a clock stopped at SOURCE_DATE_EPOCH keeps it fixed.
for app in attesta-a attesta-b systemd-boot; do
	TZ=UTC faketime "$(date -u -d "@$SOURCE_DATE_EPOCH" '+%Y-%m-%d %H:%M:%S')" \
		sbsign --key "$KEYS/db.key" --cert "$KEYS/db.crt" --output "$W/$app.efi" "$W/$app.unsigned.efi" 2>/dev/null
	# The PCR 4 prediction rests on imagetool's Authenticode hash: it must be the digest sbsign signed.
	sbattach --detach "$W/$app.sig" "$W/$app.efi" >/dev/null
	signed=$(openssl asn1parse -inform DER -in "$W/$app.sig" | grep -m1 -o 'HEX DUMP\]:[0-9A-F]\{64\}$' | cut -d: -f2)
	ours=$("$W/imagetool" authenticode "$W/$app.efi")
	[ "${signed,,}" = "$ours" ] || { echo "image: $app: Authenticode hash $ours, but sbsign signed $signed" >&2; exit 1; }
done

# The signed TPM policy of each slot's UKI (they differ in attesta.slot=, hence in PCRs 4 and 11): the PCRs a genuine
# boot produces, as attesta.pcrs.json predicts them, signed with the image-policy key. ECDSA with RFC 6979 nonces
# (attest.SignPolicy): the same key and PCRs give the same bytes, so the ESP stays reproducible.
echo "image: signed TPM policies (version $POLICY_VERSION)"
keyargs=(-owner "$OWNER_GUID" -pk "$W/PK.der" -kek "$W/KEK.der" -db "$W/db.der")
for slot in a b; do
	"$W/imagetool" pcrs -loader "$W/systemd-boot.efi" -uki "$W/attesta-$slot.efi" "${keyargs[@]}" -version "$VERSION" \
		-out "$W/pcrs-$slot.json"
	rm -f "$W/policy-$slot.json"
	"$W/attesta" keys policy sign --key "$KEYS/image-policy.key" --pcrs "$W/pcrs-$slot.json" --version "$POLICY_VERSION" \
		--out "$W/policy-$slot.json" >/dev/null
done

echo "image: EFI system partition"
rm -f "$W/esp.img"
mkfs.fat --invariant -i 41545441 -n ATTESTA-ESP -F 32 -S 512 -C "$W/esp.img" $((ESP_MB * 1024)) >/dev/null
export MTOOLS_SKIP_CHECK=1
mmd -i "$W/esp.img" ::/EFI ::/EFI/BOOT ::/EFI/Linux ::/loader ::/attesta ::/attesta/policies
# systemd-boot as the firmware's default loader; slot a's UKI as its (blessed) entry; no menu, no editor.
printf 'timeout 0\neditor no\nauto-entries no\nauto-firmware no\n' >"$W/loader.conf"
touch -d "@$SOURCE_DATE_EPOCH" "$W/attesta-a.efi" "$W/systemd-boot.efi" "$W/loader.conf" "$W/policy-a.json"
mcopy -m -i "$W/esp.img" "$W/systemd-boot.efi" ::/EFI/BOOT/BOOTX64.EFI
mcopy -m -i "$W/esp.img" "$W/loader.conf" ::/loader/loader.conf
mcopy -m -i "$W/esp.img" "$W/attesta-a.efi" "::/EFI/Linux/attesta-$VERSION-a.efi"
# Slot a's signed TPM policy, where the box's configuration looks for them (tpm_policy: /efi/attesta/policies).
mcopy -m -i "$W/esp.img" "$W/policy-a.json" ::/attesta/policies/slot-a.json

echo "image: disk"
# Slot A: the squashfs and its hash tree with a quarter more room, in 64 MiB steps: a slot's size is fixed once the
# box is installed, and every later image's root must fit it (a Debian point release and a new Chromium grow the
# root by a few per cent a year). Slot B has the same size once the box's first boot has grown it.
# On the disk: ESP, slot A, the data partition, slot B last (so that growing the data partition keeps its start).
mib=$((1024 * 1024))
slot_mb=$(((($(stat -c %s "$W/root-a.img") * 5 / 4) + 64 * mib - 1) / (64 * mib) * 64))
truncate -s $((slot_mb * mib)) "$W/root-a.img"
truncate -s 0 "$W/root-b.img" && truncate -s $((SLOTB_MB * mib)) "$W/root-b.img"
truncate -s 0 "$W/data.img" && truncate -s $((DATA_MB * mib)) "$W/data.img"
total_mb=$((1 + ESP_MB + slot_mb + DATA_MB + SLOTB_MB + 1))
img=$OUT/attesta.img
rm -f "$img"
truncate -s $((total_mb * mib)) "$img"
esp_at=1 a_at=$((1 + ESP_MB)) data_at=$((1 + ESP_MB + slot_mb)) b_at=$((1 + ESP_MB + slot_mb + DATA_MB))
sfdisk --quiet --no-reread --no-tell-kernel "$img" <<EOF
label: gpt
label-id: $DISK_GUID
unit: sectors
first-lba: 2048
start=$((esp_at * 2048)), size=$((ESP_MB * 2048)), type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=$ESP_GUID, name="ESP"
start=$((a_at * 2048)), size=$((slot_mb * 2048)), type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, uuid=$ROOTA_GUID, name="attesta-root-a"
start=$((b_at * 2048)), size=$((SLOTB_MB * 2048)), type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, uuid=$ROOTB_GUID, name="attesta-root-b"
start=$((data_at * 2048)), size=$((DATA_MB * 2048)), type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=$DATA_GUID, name="attesta-data"
EOF
for part in esp:$esp_at root-a:$a_at data:$data_at root-b:$b_at; do
	dd if="$W/${part%:*}.img" of="$img" bs=1M seek="${part#*:}" conv=notrunc,sparse status=none
done

echo "image: predicted PCRs, firmware variables, manifest"
"$W/imagetool" pcrs -loader "$W/systemd-boot.efi" -uki "$W/attesta-a.efi" "${keyargs[@]}" -version "$VERSION" \
	-part esp="$W/esp.img" -part root-a="$W/root-a.img" -part root-b="$W/root-b.img" -part data="$W/data.img" \
	-out "$OUT/attesta.pcrs.json"
# The signed policy binds the PCRs this file predicts (the same tool on the same UKI: checked all the same).
[ "$(sed -n '/"pcrs"/,/}/p' "$OUT/attesta.pcrs.json")" = "$(sed -n '/"pcrs"/,/}/p' "$W/pcrs-a.json")" ] ||
	{ echo "image: the signed policy's PCRs differ from $OUT/attesta.pcrs.json" >&2; exit 1; }
"$W/imagetool" vars -in /usr/share/OVMF/OVMF_VARS_4M.fd "${keyargs[@]}" -out "$OUT/ovmf_vars.fd"
{
	echo "# Attesta appliance image $VERSION (SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH, Debian $SUITE from $MIRROR)"
	echo "# file	sha256"
	for f in "$img" "$W/systemd-boot.efi" "$W/attesta-a.efi" "$W/attesta-b.efi" "$W/vmlinuz" "$W/initrd.img" "$W/attesta" "$OUT/ovmf_vars.fd"; do
		echo "$(basename "$f")	$(sha256sum <"$f" | cut -d' ' -f1)"
	done
	echo "dm-verity root hash (slot a)	$roothash"
	echo "signed TPM policy version	$POLICY_VERSION"
	for f in "$W/image-policy.pub" "$W/policy-a.json" "$W/policy-b.json"; do
		echo "$(basename "$f")	$(sha256sum <"$f" | cut -d' ' -f1)"
	done
	echo "kernel	$kver"
	echo "# package	version	architecture	sha256 of the .deb"
	cat "$W/packages.tsv"
} >"$OUT/attesta.manifest"
cp "$W/attesta-a.efi" "$OUT/attesta-a.efi"
cp "$W/attesta-a.unsigned.efi" "$OUT/attesta-a.unsigned.efi"
cp "$W/policy-a.json" "$OUT/attesta.policy.json"
cp "$W/image-policy.pub" "$OUT/image-policy.pub"

# The update file that installs this image on a box running an older one (attesta image update), with the signed
# TPM policy of each slot's UKI: the box writes the one of the slot it installs to beside its own.
echo "image: update file"
rm -f "$OUT/attesta-$VERSION.update"
head -c "$slot_used" "$W/root-a.img" >"$W/root.slot"
"$W/attesta" image bundle --key "$KEYS/image.key" --version "$VERSION" --roothash "$roothash" --root "$W/root.slot" \
	--uki-a "$W/attesta-a.efi" --uki-b "$W/attesta-b.efi" --policy-a "$W/policy-a.json" --policy-b "$W/policy-b.json" \
	--out "$OUT/attesta-$VERSION.update" >/dev/null
rm -f "$W/root.slot"

end=$(date +%s)
echo "image: $img: $(du -m --apparent-size "$img" | cut -f1) MB ($(du -m "$img" | cut -f1) MB allocated)," \
	"root $(($(stat -c %s "$W/root.sqfs") / mib)) MB, slots ${slot_mb} MB, built in $((end - start)) s"
echo "image: sha256 $(sha256sum <"$img" | cut -d' ' -f1)"
exit
}
