#!/usr/bin/env bash
# Builds vigil's Debian package: build_deb.sh OUT.deb VIGIL_BINARY VIGIL_RUNC CONFIG RULES UNIT.
# The config and rules are conffiles (dpkg keeps a changed one on upgrade), the unit goes
# to /lib/systemd/system; Depends lists the packages of the shared libraries the binary
# links, as this machine resolves them.
set -euo pipefail
out=$1 bin=$2 runc=$3 config=$4 rules=$5 unit=$6
root=$(mktemp -d)
chmod 0755 "$root"
trap 'rm -rf "$root"' EXIT
install -D -m 0755 "$bin" "$root/usr/bin/vigil"
install -m 0755 "$runc" "$root/usr/bin/vigil-runc"  # the lean binary of container starts
mkdir -p "$root/etc/vigil/rules.d"
sed 's|^rules_files:.*|rules_files: [/etc/vigil/rules.d]   # files or folders (*.yaml), loaded in order|' \
  "$config" >"$root/etc/vigil/vigil.yaml"
install -m 0644 "$rules" "$root/etc/vigil/rules.d/vigil_rules.yaml"
install -D -m 0644 /dev/null "$root/lib/systemd/system/vigil.service"
sed 's|@BIN@|/usr/bin/vigil|' "$unit" >"$root/lib/systemd/system/vigil.service"
deps=""
for lib in $(ldd "$bin" | awk '$3 ~ /^\// {print $3}'); do
  pkg=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null || true)
  pkg=${pkg%%:*}
  [ -n "$pkg" ] && case " $deps " in *" $pkg "*) ;; *) deps="$deps $pkg" ;; esac
done
deps=$(echo $deps | sed 's/ /, /g')
mkdir -p "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<CONTROL
Package: vigil
Version: 0.1.0
Architecture: amd64
Maintainer: vigil developers <vigil@localhost>
Section: admin
Priority: optional
Depends: ${deps}
Recommends: runc | crun
Description: runtime security engine for Linux containers
 Falco-compatible rules evaluated on each container's seccomp user notifications and
 fanotify permission events, alerting or blocking, with no kernel module and no eBPF.
 After installing: vigil install (registers vigil with Docker, containerd, Podman,
 CRI-O), then systemctl enable --now vigil.
CONTROL
printf '/etc/vigil/vigil.yaml\n/etc/vigil/rules.d/vigil_rules.yaml\n' >"$root/DEBIAN/conffiles"
cat >"$root/DEBIAN/postinst" <<'SH'
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
exit 0
SH
cat >"$root/DEBIAN/prerm" <<'SH'
#!/bin/sh
set -e
# Registrations made by `vigil install` point at this binary: take them out first.
if [ "$1" = remove ] && [ -x /usr/bin/vigil ]; then /usr/bin/vigil uninstall || true; fi
exit 0
SH
cat >"$root/DEBIAN/postrm" <<'SH'
#!/bin/sh
set -e
if [ "$1" = purge ]; then rm -rf /var/lib/vigil /var/log/vigil /run/vigil; fi
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
exit 0
SH
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"
dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
