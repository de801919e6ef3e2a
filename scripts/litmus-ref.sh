#!/usr/bin/env bash
# Write herd7's verdicts for memlab's catalog as reference data the unit tests check
# (litmus/unit/test_exec.c): every catalog test with a `C11:` key, run by herd7 with
# rc11.cat, into litmus/ref/rc11/NAME.litmus.expected.  herd7 is a reference tool, never a
# dependency: build it with ../shared/tools/build-herd7.sh and name it here.
#
#   scripts/litmus-ref.sh HERD7 [TEST.litmus...]
set -eu
herd7=${1:?usage: litmus-ref.sh PATH/TO/herd7 [TEST.litmus...]}
shift
cd "$(dirname "$0")/.."
out=litmus/ref/rc11
mkdir -p "$out"
if [ $# -eq 0 ]; then
  set -- $(grep -l '^ \* C11:' litmus/tests/*.litmus)
fi
n=0
for t in "$@"; do
  name=$(basename "$t")
  "$herd7" -model rc11.cat "$t" > "$out/$name.expected.tmp"
  mv "$out/$name.expected.tmp" "$out/$name.expected"
  n=$((n + 1))
done
echo "litmus-ref: $n herd7 rc11.cat verdicts in $out"
