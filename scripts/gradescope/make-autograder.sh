#!/bin/sh
# make-autograder.sh [LAB]: write build/autograder.zip for Gradescope from
# build/handout (run `make handout` first): the handout, setup.sh,
# run_autograder and, with LAB (e.g. labs/04-locks), the lab this assignment
# grades.  Upload the zip as the assignment's autograder.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
[ -d "$root/build/handout/labs" ] || { echo "make-autograder.sh: no build/handout: run make handout first" >&2; exit 2; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp "$root/scripts/gradescope/setup.sh" "$root/scripts/gradescope/run_autograder" "$stage/"
mkdir "$stage/handout"
(cd "$root/build/handout" && tar --exclude=./build -cf - .) | (cd "$stage/handout" && tar -xf -)
if [ $# -ge 1 ]; then
    lab=$(cd "$root" && /usr/bin/python3 scripts/handout.py labdir "$1") || exit 2
    echo "$lab" > "$stage/LAB"
fi
rm -f "$root/build/autograder.zip"
(cd "$stage" && zip -qr "$root/build/autograder.zip" .)
echo "build/autograder.zip: the handout and Gradescope's scripts${lab:+, grading $lab}"
