#!/usr/bin/env bash
# Installs what building and testing vigil needs on Debian 12, only where it is missing.
set -euo pipefail
packages=(
  bazel-bootstrap bazel-rules-java g++ clang libclang-rt-14-dev clang-format
  libseccomp-dev libcap-dev libboost-dev libboost-system-dev libyaml-cpp-dev
  libspdlog-dev libfmt-dev nlohmann-json3-dev libre2-dev
  libgtest-dev libgmock-dev libbenchmark-dev python3 libssl-dev zlib1g-dev prometheus-cpp-dev
  libtomlplusplus-dev libsystemd-dev libcli11-dev dpkg-dev
  prometheus curl openssl docker.io
  runc crun busybox-static util-linux libc6-dev containerd podman
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

# The offline schema check of deploy/kubernetes (tests/deploy/manifests_test): the
# Kubernetes models from the npm registry, with Debian's Node.js where there is none.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "setup: installing nodejs npm" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm >&2
fi
npm_dir=/opt/vigil-tests/npm
if [ ! -e "$npm_dir/node_modules/kubernetes-models/package.json" ] ||
  [ ! -e "$npm_dir/node_modules/yaml/package.json" ]; then
  echo "setup: npm install kubernetes-models yaml into $npm_dir" >&2
  mkdir -p "$npm_dir"
  npm install --prefix "$npm_dir" --no-audit --no-fund --loglevel=error \
    kubernetes-models@5.1.0 yaml@2.9.1 >&2
fi
