#!/usr/bin/env bash
# Builds vigil's Debian package: build_deb.sh OUT.deb VIGIL_BINARY VIGIL_RUNC CONFIG RULES UNIT.
# Laid out as Debian's own tools expect a package tree: dpkg-shlibdeps reads the binary's
# shared libraries and writes Depends with the versions the symbols need (shlibs:Depends),
# dpkg-gencontrol writes DEBIAN/control from deploy/debian/control with Installed-Size,
# dpkg-deb builds it. The config and rules are conffiles (dpkg keeps a changed one on
# upgrade), the unit goes to /lib/systemd/system; the maintainer scripts are in
# deploy/debian/ (postinst, prerm, postrm).
set -euo pipefail
out=$1 bin=$2 runc=$3 config=$4 rules=$5 unit=$6
# Its neighbours (control, changelog, copyright, the maintainer scripts): in its runfiles
# when Bazel runs it, beside it when run by hand.
src="$0.runfiles/vigil/deploy/debian"
[ -f "$src/control" ] || src=$(dirname "$0")
src=$(cd "$src" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/debian/vigil"
mkdir -p "$root"
chmod 0755 "$work" "$root"
install -D -m 0755 "$bin" "$root/usr/bin/vigil"
install -m 0755 "$runc" "$root/usr/bin/vigil-runc"  # the lean binary of container starts
mkdir -p "$root/etc/vigil/rules.d"
sed 's|^rules_files:.*|rules_files: [/etc/vigil/rules.d]   # files or folders (*.yaml), loaded in order|' \
  "$config" >"$root/etc/vigil/vigil.yaml"
install -m 0644 "$rules" "$root/etc/vigil/rules.d/vigil_rules.yaml"
install -D -m 0644 /dev/null "$root/lib/systemd/system/vigil.service"
sed 's|@BIN@|/usr/bin/vigil|' "$unit" >"$root/lib/systemd/system/vigil.service"
install -D -m 0644 "$src/copyright" "$root/usr/share/doc/vigil/copyright"
gzip -9n <"$src/changelog" >"$root/usr/share/doc/vigil/changelog.Debian.gz"
chmod 0644 "$root/usr/share/doc/vigil/changelog.Debian.gz"

# dpkg-shlibdeps and dpkg-gencontrol read debian/control and debian/changelog of the
# current folder, as in a source package.
cp "$src/control" "$work/debian/control"
cp "$src/changelog" "$work/debian/changelog"
mkdir -p "$root/DEBIAN"
cd "$work"
dpkg-shlibdeps -Tdebian/vigil.substvars -e debian/vigil/usr/bin/vigil 2>"$work/shlibdeps.err" || {
  cat "$work/shlibdeps.err" >&2
  exit 1
}
dpkg-gencontrol -pvigil -Pdebian/vigil -Tdebian/vigil.substvars
printf '/etc/vigil/vigil.yaml\n/etc/vigil/rules.d/vigil_rules.yaml\n' >"$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do
  install -m 0755 "$src/$script" "$root/DEBIAN/$script"
done
cd - >/dev/null
dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
