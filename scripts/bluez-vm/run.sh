#!/usr/bin/env bash
# Boots the Debian kernel of this machine under QEMU with this machine's root
# filesystem (9p, read-only, a tmpfs overlay on top), runs one command in the
# guest as root, prints its output and exits with its status. The guest has a
# real Linux Bluetooth stack (the build machines' own kernel has none); the
# tests use it with btvirt's virtual controllers (docs/bluez.md).
#
#   scripts/bluez-vm/run.sh COMMAND...    env: RUN_DIR (shared read-write with the guest at /run/vmio),
#                                         KVER, MEM (1024), SMP (2), TIMEOUT (300)
# Exit status 125: the VM could not run (no kernel, no QEMU, no status from the guest).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kver=${KVER:-$(ls /lib/modules 2>/dev/null | sort -V | tail -1)}
kernel=/boot/vmlinuz-$kver
[ -n "$kver" ] && [ -r "$kernel" ] || { echo "run.sh: no kernel image (apt-get install linux-image-amd64)" >&2; exit 125; }
command -v qemu-system-x86_64 >/dev/null || { echo "run.sh: no qemu-system-x86_64 (apt-get install qemu-system-x86)" >&2; exit 125; }
[ -x /bin/busybox ] || { echo "run.sh: no /bin/busybox (apt-get install busybox-static)" >&2; exit 125; }

# KVM here is a paravirtual one that cannot run a stock kernel: software emulation (TCG) unless a usable KVM exists.
accel=(-accel tcg,thread=multi -cpu max)
if [ ! -d /sys/module/kvm_pvm ] && [ -w /dev/kvm ]; then accel=(-accel kvm -cpu host); fi

# An initramfs with busybox and the modules to mount the host root over 9p, cached per kernel.
cache=${XDG_CACHE_HOME:-/var/tmp}/canary-bluez-vm
initrd=$cache/initramfs-$kver.cpio
if [ ! -s "$initrd" ] || [ "$initrd" -ot "$0" ] || [ "$initrd" -ot "$here/init" ]; then
    mkdir -p "$cache"
    d=$(mktemp -d)
    mkdir -p "$d"/{bin,proc,sys,dev,lower,upper,newroot,mods}
    cp /bin/busybox "$d/bin/busybox"
    for m in virtio_pci 9pnet_virtio 9p overlay; do modprobe --show-depends -S "$kver" "$m"; done \
        | awk '$1=="insmod" && !seen[$2]++ {print $2}' | while read -r m; do
            b=$(basename "$m")
            case $b in
                *.ko.xz) xz -dc "$m" > "$d/mods/${b%.xz}"; b=${b%.xz} ;;
                *.ko.zst) zstd -qdc "$m" > "$d/mods/${b%.zst}"; b=${b%.zst} ;;
                *.ko.gz) gzip -dc "$m" > "$d/mods/${b%.gz}"; b=${b%.gz} ;;
                *) cp "$m" "$d/mods/$b" ;;
            esac
            echo "$b" >> "$d/mods/order"
        done
    cp "$here/init" "$d/init"
    chmod +x "$d/init"
    (cd "$d" && find . | cpio -o -H newc --quiet) > "$initrd.tmp" && mv "$initrd.tmp" "$initrd"
    rm -rf "$d"
fi

run=${RUN_DIR:-$(mktemp -d)}
mkdir -p "$run"
rm -f "$run/rc"
{ printf 'cd %q 2>/dev/null || cd /\n' "$PWD"; printf '%q ' "$@"; echo; } > "$run/cmd.sh"

set +e
timeout "${TIMEOUT:-300}" qemu-system-x86_64 -nodefaults -no-user-config -display none -monitor none -no-reboot \
    -machine pc "${accel[@]}" -m "${MEM:-1024}" -smp "${SMP:-2}" \
    -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS1 loglevel=4 panic=-1 rdinit=/init cryptomgr.notests" \
    -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
    -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
    -fsdev local,id=vmio,path="$run",security_model=none \
    -device virtio-9p-pci,fsdev=vmio,mount_tag=vmio \
    -chardev stdio,id=out,signal=off -serial chardev:out -serial file:"$run/console.log" </dev/null
qemu=$?
set -e
if [ -s "$run/rc" ]; then exit "$(cat "$run/rc")"; fi
echo "run.sh: the guest reported no exit status (qemu exit $qemu); its console:" >&2
tail -n 30 "$run/console.log" >&2 || true
exit 125
