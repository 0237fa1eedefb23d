#!/usr/bin/env bash
# The layering check passes on the tree as it is and on docs/architecture.md, and fails on
# a doc row that disagrees and on a copy of the tree with one include that runs up the
# layering, one file over the size limit, one unplaced folder: a check that could not fail
# would prove nothing.
set -euo pipefail
root="${TEST_SRCDIR}/vigil"
check="$root/tests/arch/layering.py"

# Every folder under src/ must be in the data of this test, or its files go unchecked.
for d in "$root"/src/*/; do
  [ -n "$(ls "$d")" ] || { echo "FAIL: $d has no sources in this test's data"; exit 1; }
done

doc="$root/docs/architecture.md"
python3 "$check" "$root" "$doc"

# The doc's table of folders says what the check enforces: a changed row is reported.
sed 's/^| `fanotify` |\(.*\)| common, proc, fields |$/| `fanotify` |\1| common |/' "$doc" >"${TEST_TMPDIR}/arch.md"
if out=$(python3 "$check" "$root" "${TEST_TMPDIR}/arch.md"); then
  echo "FAIL: a doc row that disagrees with the check was not reported"; exit 1
fi
grep -q "src/fanotify may include" <<<"$out" || { echo "FAIL: $out"; exit 1; }

copy="${TEST_TMPDIR}/tree"
mkdir -p "$copy"
cp -rL "$root/src" "$copy/src"
echo '#include "src/engine/engine.h"' >>"$copy/src/fields/registry.h"
if out=$(python3 "$check" "$copy"); then
  echo "FAIL: an include of the engine from src/fields was not reported"; exit 1
fi
grep -q "src/fields/registry.h:.*src/fields includes src/engine" <<<"$out" ||
  { echo "FAIL: the report does not name the include: $out"; exit 1; }

cp -rL "$root/src" "$copy/src2" && rm -rf "$copy/src" && mv "$copy/src2" "$copy/src"
seq 1 700 | sed 's#^#// line #' >"$copy/src/common/long.cc"
if out=$(python3 "$check" "$copy"); then
  echo "FAIL: a 700-line file was not reported"; exit 1
fi
grep -q "src/common/long.cc: 700 lines" <<<"$out" || { echo "FAIL: $out"; exit 1; }

mkdir "$copy/src/newfolder" && echo '// x' >"$copy/src/newfolder/a.cc"
if python3 "$check" "$copy" >/dev/null; then
  echo "FAIL: a folder the layering does not place was not reported"; exit 1
fi
echo "PASS"
