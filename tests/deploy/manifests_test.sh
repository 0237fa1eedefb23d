#!/usr/bin/env bash
# deploy/kubernetes passes the offline schema check (check_manifests.mjs), and the check
# itself fails on a manifest with a misspelt field and one with a wrong type.
set -uo pipefail
CHECK="$(realpath "$1")"
modules="${VIGIL_NPM_MODULES:-/opt/vigil-tests/npm/node_modules}"
[ -d "$modules/kubernetes-models" ] || { echo "FAIL: no $modules (bash tests/setup.sh)"; exit 1; }
failures=0
node "$CHECK" "$modules" deploy/kubernetes deploy/kubernetes/cleanup || failures=$((failures + 1))
bad=$(mktemp -d)
trap 'rm -rf "$bad"' EXIT
for mutation in 's/hostPID: true /hostPid: true /' 's/periodSeconds: 5/periodSeconds: "5"/' \
  's/maxUnavailable: 0/maxUnavailabel: 0/'; do
  sed "$mutation" deploy/kubernetes/daemonset.yaml >"$bad/daemonset.yaml"
  printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [daemonset.yaml]\n' \
    >"$bad/kustomization.yaml"
  if cmp -s "$bad/daemonset.yaml" deploy/kubernetes/daemonset.yaml; then
    echo "FAIL: the mutation $mutation changed nothing"
    failures=$((failures + 1))
  elif node "$CHECK" "$modules" "$bad" >"$bad/out" 2>&1; then
    echo "FAIL: the check let through: $mutation"
    failures=$((failures + 1))
  else
    echo "ok   refused ($mutation): $(grep -m1 FAIL "$bad/out")"
  fi
done
[ "$failures" -eq 0 ] && echo "manifests_test: all passed"
exit $((failures > 0))
