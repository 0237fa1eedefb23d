#!/usr/bin/env bash
# The demo: build vigil, then show what the default ruleset does and what it needs from the
# kernel, and how vigil reads Falco's own stable ruleset.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/setup.sh
bazel build //:vigil >&2
vigil=bazel-bin/src/cli/vigil
echo "== vigil rules list -c etc/vigil.yaml  (the default ruleset in force)"
"$vigil" rules list -c etc/vigil.yaml
if [ -f ../shared/compat/falco_rules.yaml ]; then
  echo
  echo "== vigil rules validate ../shared/compat/falco_rules.yaml  (Falco's stable rules, unmodified)"
  "$vigil" rules validate ../shared/compat/falco_rules.yaml
fi
