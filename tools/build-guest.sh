#!/usr/bin/env bash
# build-guest.sh - builds cirrus's tiny test guest from Debian packages only
# (no root mounts, no network beyond apt): Debian's kernel, its virtio
# modules, busybox-static as init (tools/guest/init) in a gzip cpio
# initramfs, on a bootable FAT disk (syslinux) converted to qcow2.
#
#   tools/build-guest.sh [OUT_ROOT]     (default build/guest)
#
# Output is cached in OUT_ROOT/<key>/, the key hashing the kernel and
# busybox package versions and this builder's own files; OUT_ROOT/current
# points at the latest. Prints the output directory on stdout:
#   disk.qcow2   bootable guest disk (what tests upload as a Glance image)
#   vmlinuz      the kernel (bzImage), initrd.gz, cmdline
#   vmlinux      the uncompressed kernel, bootable directly (PVH) by QEMU
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out_root=${1:-build/guest}
log() { echo "build-guest: $*" >&2; }

kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
       awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$kpkg" ]; then
    # No apt lists yet (fresh machine): an update makes the metapackage known.
    apt-get update -qq >&2 || true
    kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
fi
[ -n "$kpkg" ] || { log "cannot resolve linux-image-amd64"; exit 1; }
kver=$(apt-cache policy "$kpkg" | awk '/Candidate:/ {print $2}')
bbver=$(dpkg-query -W -f='${Version}' busybox-static)
key=$( (echo "$kpkg $kver busybox-static $bbver"; cat "$0" "$here/guest/init") |
       sha256sum | cut -c1-16)
out="$out_root/$key"
if [ -f "$out/done" ]; then
    ln -sfn "$key" "$out_root/current"
    echo "$out"
    exit 0
fi

t0=$(date +%s.%N)
mkdir -p "$out_root"
work=$(mktemp -d "$out_root/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Kernel package: apt's cache first, else download (as root, apt wants a
# directory its sandbox user can write; cd into the work dir).
deb=$(ls /var/cache/apt/archives/"${kpkg}"_*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$deb" ]; then
    (cd "$work" && apt-get download -q "$kpkg" >&2 2>/dev/null)
    deb=$(ls "$work"/"${kpkg}"_*.deb | head -n 1)
fi
log "kernel $kpkg $kver"
mkdir -p "$work/k"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/k" --wildcards './boot/vmlinuz-*' './lib/modules/*'
uname_r=$(ls "$work/k/lib/modules" | head -n 1)
[ -n "$uname_r" ] && [ -f "$work/k/boot/vmlinuz-$uname_r" ] || { log "kernel extraction failed"; exit 1; }
depmod -b "$work/k" "$uname_r" 2>/dev/null

# Initramfs: busybox, init, and the modules in load order.
ir="$work/initramfs"
mkdir -p "$ir/bin" "$ir/etc" "$ir/lib/modules"
cp /bin/busybox "$ir/bin/busybox"
cp "$here/guest/init" "$ir/init"
chmod 755 "$ir/init" "$ir/bin/busybox"
: >"$ir/etc/modules.order"
for m in virtio_pci virtio_blk virtio_net virtio_console isofs vfat nls_cp437 nls_ascii nls_utf8 button evdev; do
    modprobe -d "$work/k" -S "$uname_r" --show-depends "$m" 2>/dev/null |
        awk '$1 == "insmod" {print $2}'
done | awk '!seen[$0]++' | while read -r path; do
    name=$(basename "$path")
    [ -f "$path" ] || { log "module file $path missing"; exit 1; }
    cp "$path" "$ir/lib/modules/$name"
    grep -qx "$name" "$ir/etc/modules.order" || echo "$name" >>"$ir/etc/modules.order"
done
grep -qx isofs.ko "$ir/etc/modules.order" || { log "modules not resolved"; exit 1; }
(cd "$ir" && find . | sort | cpio -o -H newc --owner=0:0 --quiet) | gzip -6 >"$work/initrd.gz"
cp "$work/k/boot/vmlinuz-$uname_r" "$work/vmlinuz"

# The uncompressed ELF vmlinux (Debian compresses with xz): QEMU boots it
# directly through its PVH note, skipping the slow decompressor under TCG.
off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$work/vmlinuz" | head -n 1 | cut -d: -f1 || true)
if [ -n "$off" ]; then
    tail -c +$((off + 1)) "$work/vmlinuz" | xz -dc 2>/dev/null >"$work/vmlinux" || true
    head -c 4 "$work/vmlinux" | grep -q ELF || rm -f "$work/vmlinux"
fi

cmdline="console=ttyS0,115200 quiet panic=10 mitigations=off"
echo "$cmdline" >"$work/cmdline"

# Bootable FAT disk: syslinux writes its boot sector through mtools, so
# no loop mount (and no root) is needed.
disk="$work/disk.raw"
mkfs.vfat -C -n CIRRUS "$disk" 49152 >/dev/null
syslinux --install "$disk"
cat >"$work/syslinux.cfg" <<EOS
DEFAULT cirrus
PROMPT 0
TIMEOUT 0
LABEL cirrus
  KERNEL vmlinuz
  INITRD initrd.gz
  APPEND $cmdline
EOS
echo "cirrus test guest $key" >"$work/cirrus-guest"
mcopy -i "$disk" "$work/syslinux.cfg" "$work/vmlinuz" "$work/initrd.gz" "$work/cirrus-guest" ::
qemu-img convert -q -c -f raw -O qcow2 "$disk" "$work/disk.qcow2"

mkdir -p "$out"
for f in disk.qcow2 vmlinuz initrd.gz cmdline; do mv "$work/$f" "$out/$f"; done
[ -f "$work/vmlinux" ] && mv "$work/vmlinux" "$out/vmlinux"
echo "$kpkg $kver busybox-static $bbver" >"$out/versions"
touch "$out/done"
ln -sfn "$key" "$out_root/current"
# Older builds (other package versions) are dropped: one guest is enough.
for old in "$out_root"/*/; do
    [ "$(basename "$old")" = "$key" ] || [ "$(basename "$old")" = current ] || rm -rf "$old"
done
log "built $out in $(echo "$(date +%s.%N) - $t0" | bc 2>/dev/null || echo '?') s"
echo "$out"
