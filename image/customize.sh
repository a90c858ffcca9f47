#!/usr/bin/env bash
# mmdebstrap's customize hook for the appliance image (called by image/build.sh): ROOT is the root file system
# being built, WORK the build's work folder, VERSION the image's version. It lays the appliance's own files over
# the packages, locks the system down, and takes out what goes into the UKI (kernel, the initrd's pieces).
{
set -euo pipefail
root=$1 work=$2 version=$3 only_overlay=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
inroot() { chroot "$root" "$@"; }

# The appliance's files and binary.
cp -a "$here/rootfs/." "$root/"
install -m 0755 "$work/attesta" "$root/usr/bin/attesta"
# Image updates (image/update): the pinned image key, the ESP's mount point, the units that install and settle them.
install -m 0644 "$work/image-key.pem" "$root/etc/attesta/image-key.pem"
# The TPM policy: the image-policy key, whose signed policies (on the ESP, /efi/attesta/policies) bind the signing key.
install -D -m 0644 "$work/image-policy.pub" "$root/usr/share/attesta/image-policy.pub"
mkdir -p "$root/efi"
inroot systemctl enable attesta-image-settle.service >/dev/null

# Users with fixed ids: the service, the kiosk; tss owns the TPM device.
inroot getent group tss >/dev/null || inroot groupadd --system --gid 989 tss
inroot id attesta >/dev/null 2>&1 ||
	inroot useradd --system --uid 990 --user-group --home-dir /var/lib/attesta --no-create-home --shell /usr/sbin/nologin attesta
inroot id kiosk >/dev/null 2>&1 || inroot useradd --system --uid 991 --user-group --home-dir /run/kiosk --no-create-home \
	--shell /usr/sbin/nologin --groups video,render,input kiosk
# No password works for anyone, root included (nobody logs in: there is no getty, no sshd).
inroot usermod --lock root
sed -i 's/^root:[^:]*:/root:!*:/' "$root/etc/shadow"

# What runs, and what never does.
inroot systemctl enable attesta.service attesta-kiosk.service seatd.service attesta-boot-report.service nftables.service \
	systemd-networkd.service systemd-resolved.service systemd-timesyncd.service >/dev/null
inroot systemctl set-default graphical.target >/dev/null 2>&1
inroot systemctl mask getty@.service serial-getty@.service autovt@.service console-getty.service \
	container-getty@.service emergency.service rescue.service emergency.target rescue.target \
	debug-shell.service ctrl-alt-del.target systemd-firstboot.service \
	systemd-pcrphase.service systemd-pcrphase-sysinit.service systemd-pcrphase-initrd.service \
	e2scrub_all.timer e2scrub_reap.service >/dev/null
ln -sf ../run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"
echo attesta >"$root/etc/hostname"
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
if [ -n "${IMAGE_NTP:-}" ]; then
	mkdir -p "$root/etc/systemd/timesyncd.conf.d"
	printf '[Time]\nNTP=%s\n' "$IMAGE_NTP" >"$root/etc/systemd/timesyncd.conf.d/attesta.conf"
fi

# The initrd's pieces besides busybox: veritysetup with its libraries, the storage modules in load order.
initrd_pieces() {
	local kver extra
	kver=$(basename "$(ls -d "$root"/lib/modules/*)")
	extra=$work/initrd-extra
	rm -rf "$extra"
	mkdir -p "$extra/bin" "$extra/lib/modules" "$extra/etc"
	cp -L "$root/usr/sbin/veritysetup" "$extra/bin/veritysetup"
	inroot ldd /usr/sbin/veritysetup | grep -o '/[^ ]*' | LC_ALL=C sort -u | while read -r lib; do
		mkdir -p "$extra$(dirname "$lib")"
		cp -L "$root$lib" "$extra$lib"
	done
	: >"$extra/etc/modules.order"
	inroot modprobe -a -S "$kver" --show-depends virtio_pci virtio_blk virtio_scsi sd_mod ahci nvme dm_verity squashfs \
		vfat nls_cp437 nls_ascii nls_iso8859-1 nls_utf8 |
		awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' | while read -r ko; do
		cp "$root$ko" "$extra/lib/modules/"
		basename "$ko" >>"$extra/etc/modules.order"
	done
}

# The image's identity, also the UKI's .osrel (an overlay rebuild gets its own version too).
. "$root/usr/lib/os-release"
cat >"$root/usr/lib/os-release.attesta" <<EOF
PRETTY_NAME="Attesta appliance $version (Debian $VERSION_ID)"
NAME="Attesta appliance"
ID=attesta
ID_LIKE=debian
VERSION_ID=$VERSION_ID
IMAGE_ID=attesta
IMAGE_VERSION=$version
HOME_URL="https://github.com/attesta/attesta"
EOF
mv "$root/usr/lib/os-release.attesta" "$root/usr/lib/os-release"

# A test build (IMAGE_TEST_LOCAL=1, for image/powercut.sh only, never shipped): the touch UI's listener on the
# network too, so that a test checks the journal through the UI's journal screen from outside. It says so in
# os-release. Nothing else differs: no test-only endpoint.
dropin=$root/etc/systemd/system/attesta.service.d/90-test-local-listener.conf
rm -f "$dropin"
if [ "${IMAGE_TEST_LOCAL:-}" = 1 ]; then
	echo 'VARIANT="test build: the touch UI listens on the network (not for production)"' >>"$root/usr/lib/os-release"
	mkdir -p "$(dirname "$dropin")"
	sed -n 's|^ExecStart=\(.*\)--listen 127.0.0.1:8080\(.*\)$|[Service]\nExecStart=\nExecStart=\1--listen 0.0.0.0:8080\2|p' \
		"$root/etc/systemd/system/attesta.service" >"$dropin"
	grep -q 'listen 0.0.0.0:8080' "$dropin" || { echo "customize: no test listener drop-in" >&2; exit 1; }
	sed -i 's/^\(\t\ttcp dport 8443 accept\)$/\1\n\t\ttcp dport 8080 accept # test build only/' "$root/etc/nftables.conf"
	grep -q 'dport 8080' "$root/etc/nftables.conf" || { echo "customize: no test nftables rule" >&2; exit 1; }
fi

# (--overlay: a development rebuild on the root of the last build, IMAGE_REUSE_ROOT=1; the rest is done already.)
if [ "$only_overlay" = --overlay ]; then
	initrd_pieces
	exit 0
fi

# The kernel goes into the UKI; the initrd is built from busybox, veritysetup and the storage modules.
kver=$(basename "$(ls -d "$root"/lib/modules/*)")
echo "$kver" >"$work/kernel.version"
# Kernel modules a studio's small x86 box cannot use (wireless, sound, cameras and TV, datacentre storage and
# networks, other file systems, discrete GPUs other than Intel's): half the modules' size.
mods=$root/lib/modules/$kver/kernel
rm -rf "$mods"/sound "$mods"/drivers/media "$mods"/drivers/infiniband "$mods"/drivers/net/wireless \
	"$mods"/drivers/staging "$mods"/drivers/isdn "$mods"/drivers/gpu/drm/amd "$mods"/drivers/gpu/drm/nouveau \
	"$mods"/drivers/gpu/drm/radeon "$mods"/net/wireless "$mods"/net/mac80211 "$mods"/net/bluetooth \
	"$mods"/drivers/bluetooth "$mods"/drivers/iio "$mods"/drivers/net/can "$mods"/net/ceph \
	"$mods"/drivers/comedi "$mods"/drivers/target "$mods"/drivers/mtd "$mods"/drivers/w1 "$mods"/drivers/xen \
	"$mods"/drivers/net/wan "$mods"/drivers/net/wwan "$mods"/drivers/net/hamradio "$mods"/drivers/atm "$mods"/net/atm \
	"$mods"/drivers/net/xen-netback "$mods"/drivers/gpu/drm/vmwgfx "$mods"/drivers/input/joystick \
	"$mods"/drivers/thunderbolt "$mods"/drivers/fpga "$mods"/drivers/nfc "$mods"/net/nfc "$mods"/drivers/firewire
find "$mods/drivers/scsi" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
find "$mods/drivers/net/ethernet" -mindepth 1 -maxdepth 1 -type d ! -name intel ! -name realtek -exec rm -rf {} +
find "$mods/fs" -mindepth 1 -maxdepth 1 -type d ! -name ext4 ! -name jbd2 ! -name squashfs ! -name fat \
	! -name nls ! -name erofs ! -name fuse ! -name isofs ! -name udf ! -name exfat -exec rm -rf {} +
inroot depmod "$kver"
cp "$root/boot/vmlinuz-$kver" "$work/vmlinuz"
cp "$root/bin/busybox" "$work/busybox"
initrd_pieces

# Mesa's OpenGL drivers (and the LLVM they are built on): the kiosk draws in software (cage with the pixman
# renderer, Chromium's software compositing), so nothing loads them. Their dependants stay (libEGL/libgbm load a
# driver only when asked for one): dpkg forgets them, and the manifest does not list them.
inroot dpkg --purge --force-depends libgl1-mesa-dri libllvm15 libz3-4 >/dev/null 2>&1

# The manifest: every package, its version and the SHA-256 of the .deb it came from.
inroot dpkg --purge busybox-static >/dev/null
inroot dpkg-query -W -f '${Package}\t${Version}\t${Architecture}\n' | LC_ALL=C sort | while IFS=$'\t' read -r p v a; do
	deb=$(ls "$root/var/cache/apt/archives/${p}_${v//:/%3a}_${a}.deb" 2>/dev/null || true)
	sum=-
	[ -n "$deb" ] && sum=$(sha256sum <"$deb" | cut -d' ' -f1)
	printf '%s\t%s\t%s\t%s\n' "$p" "$v" "$a" "$sum"
done >"$work/packages.tsv"
deb=$(ls "$root"/var/cache/apt/archives/busybox-static_*.deb)
printf 'busybox-static (initrd only)\t%s\tamd64\t%s\n' "$(basename "$deb" | cut -d_ -f2)" \
	"$(sha256sum <"$deb" | cut -d' ' -f1)" >>"$work/packages.tsv"

# What the running system does not need, and what would differ from one build to the next.
rm -rf "$root"/boot/* "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/* \
	"$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old "$root"/var/cache/ldconfig/aux-cache \
	"$root"/etc/initramfs-tools "$root"/usr/share/initramfs-tools
find "$root/var/cache" -mindepth 1 -maxdepth 1 ! -name apt -exec rm -rf {} +
exit
}
