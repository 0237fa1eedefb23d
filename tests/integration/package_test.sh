#!/usr/bin/env bash
# The Debian package (bazel build //deploy/debian:vigil_deb): dpkg -i installs it on this
# machine, /usr/bin/vigil runs, the config and rules are conffiles, systemd accepts the
# unit, Depends comes from dpkg-shlibdeps with versions, `vigil install` registers the
# packaged binary, an upgrade keeps an edited conffile and a running daemon, dpkg -r
# stops that daemon, and dpkg --purge leaves nothing (not even vigil install's
# registrations).
set -uo pipefail
VIGIL="$(realpath "$1")"
PROBE="$(realpath "$2")"
DEB="$(realpath "$3")"
source "$(dirname "$0")/lib.sh"

if dpkg -s vigil >/dev/null 2>&1 || [ -e /usr/bin/vigil ] || [ -e /etc/vigil ]; then
  echo "FAIL: vigil is installed on this machine already; this test installs and purges it"
  exit 1
fi
finish() {
  dpkg --purge vigil >/dev/null 2>&1
  it_cleanup
}
trap finish EXIT
hooks=/usr/share/containers/oci/hooks.d
hooks_existed=no
[ -d "$hooks" ] && hooks_existed=yes

echo "== dpkg -i"
dpkg -i "$DEB" >"$it_dir/dpkg.out" 2>&1 && it_ok "installs" || { it_fail "dpkg -i"; cat "$it_dir/dpkg.out"; exit 1; }
it_expect_in "vigil --version runs from /usr/bin" "vigil 0.1.0" "$(/usr/bin/vigil --version)"
it_expect_eq "the config and rules are conffiles" "$(dpkg-query -W -f='${Conffiles}' vigil | awk '{print $1}' | sort | tr '\n' ' ')" \
  "/etc/vigil/rules.d/vigil_rules.yaml /etc/vigil/vigil.yaml "
/usr/bin/vigil rules list >/dev/null 2>&1 && it_ok "the packaged config and rules load" ||
  it_fail "vigil rules list under the packaged config"
verify=$(systemd-analyze verify /lib/systemd/system/vigil.service 2>&1)
[ -z "$(echo "$verify" | grep -i 'vigil.service')" ] && it_ok "systemd-analyze verify accepts the unit" ||
  it_fail "systemd-analyze: $verify"
deps=$(dpkg-query -W -f='${Depends}' vigil)
it_expect_in "Depends names the shared libraries' packages" "libseccomp2" "$deps"
it_expect_in "with the versions their symbols need (dpkg-shlibdeps)" "libc6 (>= " "$deps"
[ -f /usr/share/doc/vigil/copyright ] && [ -f /usr/share/doc/vigil/changelog.Debian.gz ] &&
  it_ok "copyright and changelog are where Debian keeps them" || it_fail "no copyright or changelog"

echo "== vigil install registers the packaged binary (docs/install.md, as written)"
containerd_before=$(sha256sum /etc/containerd/config.toml 2>/dev/null)
vigil install >"$it_dir/install.out" 2>&1
it_expect_eq "vigil install exits 0" "$?" "0"
cat "$it_dir/install.out"
it_expect_in "it says the package owns the binary" "packaged   /usr/bin/vigil" "$(cat "$it_dir/install.out")"
it_expect_eq "the hook runs /usr/bin/vigil-runc (the lean binary)" \
  "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hook"]["path"])' "$hooks/vigil-precreate.json")" \
  "/usr/bin/vigil-runc"
[ ! -e /usr/local/bin/vigil ] && it_ok "nothing copied to /usr/local/bin" || it_fail "/usr/local/bin/vigil was made"
[ -f /usr/bin/vigil-runc ] && [ ! -L /usr/bin/vigil-runc ] &&
  it_ok "the package's vigil-runc is the lean binary, not a link" || it_fail "/usr/bin/vigil-runc is not a file"
it_expect_eq "it links none of the daemon's libraries" \
  "$(ldd /usr/bin/vigil-runc | grep -cE 'libssl|libcrypto|prometheus|spdlog')" "0"
it_expect_in "it runs the hooks" "usage: vigil-runc hook" "$(/usr/bin/vigil-runc hook --help 2>&1)"
it_expect_in "and passes everything else to runc" "runc version" "$(/usr/bin/vigil-runc --version 2>&1)"
grep -q '/usr/bin/vigil-runc' /etc/containerd/config.toml &&
  it_ok "containerd's handler runs the packaged shim" || it_fail "containerd config not registered"

echo "== an upgrade keeps an edited conffile and the running daemon"
echo "# edited by the operator" >>/etc/vigil/vigil.yaml
VIGIL=/usr/bin/vigil it_start_daemon monitor /etc/vigil/rules.d/vigil_rules.yaml
daemon=$it_daemon_pid
dpkg-deb -R "$DEB" "$it_dir/pkg"
sed -i 's/^Version: 0.1.0$/Version: 0.1.1/' "$it_dir/pkg/DEBIAN/control"
dpkg-deb --root-owner-group -Zxz -b "$it_dir/pkg" "$it_dir/vigil_0.1.1_amd64.deb" >/dev/null
dpkg -i "$it_dir/vigil_0.1.1_amd64.deb" >"$it_dir/upgrade.out" 2>&1 && it_ok "upgrades to 0.1.1" ||
  { it_fail "dpkg -i of 0.1.1"; cat "$it_dir/upgrade.out"; }
it_expect_eq "dpkg knows 0.1.1" "$(dpkg-query -W -f='${Version}' vigil)" "0.1.1"
grep -q "edited by the operator" /etc/vigil/vigil.yaml && it_ok "the edited config is kept" ||
  it_fail "the upgrade replaced an edited conffile"
kill -0 "$daemon" 2>/dev/null && [ "$(cut -d' ' -f3 "/proc/$daemon/stat")" != Z ] &&
  it_ok "the daemon runs on across the upgrade" || it_fail "the upgrade stopped the daemon"

echo "== dpkg -r stops the daemon run from the package's binary"
dpkg -r vigil >"$it_dir/remove.out" 2>&1 && it_ok "removes" || { it_fail "dpkg -r"; cat "$it_dir/remove.out"; }
[ "$(cut -d' ' -f3 "/proc/$daemon/stat" 2>/dev/null)" = Z ] || ! kill -0 "$daemon" 2>/dev/null &&
  it_ok "the daemon has exited" || it_fail "the daemon still runs after dpkg -r"
wait "$daemon" 2>/dev/null
it_daemon_pid=""
grep -qw "stopping" "$it_dir/daemon.log" &&
  it_ok "it stopped as on SIGTERM (its log says so)" ||
  { it_fail "no stop in the daemon's log"; tail -5 "$it_dir/daemon.log"; }
[ -f /etc/vigil/vigil.yaml ] && it_ok "dpkg -r keeps the conffiles for a reinstall" ||
  it_fail "dpkg -r took the config"

echo "== dpkg --purge"
dpkg --purge vigil >"$it_dir/purge.out" 2>&1 && it_ok "purges" || { it_fail "dpkg --purge"; cat "$it_dir/purge.out"; }
left=$(ls -d /usr/bin/vigil /usr/bin/vigil-runc /etc/vigil /lib/systemd/system/vigil.service /var/lib/vigil \
  "$hooks/vigil-precreate.json" 2>/dev/null)
it_expect_eq "nothing is left" "$left" ""
it_expect_eq "containerd's config is back as it was" "$(sha256sum /etc/containerd/config.toml 2>/dev/null)" \
  "$containerd_before"
[ "$hooks_existed" = yes ] || [ ! -e "$hooks" ] && it_ok "not even the hooks folder install made" ||
  it_fail "$hooks left"
dpkg -s vigil >/dev/null 2>&1 && it_fail "dpkg still knows vigil" || it_ok "dpkg knows vigil no more"

[ "$it_failures" -eq 0 ] || exit 1
echo "PASS"
