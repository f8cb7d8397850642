#!/usr/bin/env bash
# Write a Gradescope autograder for one lab: OUTDIR/autograder-NN-slug.zip.
#
#   grade/autograder/gradescope/package.sh LAB OUTDIR    (what `make autograder LAB=2` runs)
#
# LAB is a number (2) or a folder name (02-rapid-restart).  Gradescope unpacks
# the zip into /autograder/source and wants setup.sh and run_autograder at its
# top, so the zip holds, all at its top level: those two scripts,
# autograder.conf (which lab), and the committed files bindlab is built from
# with that lab's labs/ and staff/ folders only (no other lab's solutions, no
# tests, no build output).  Run from the repository's top.
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 LAB OUTDIR" >&2
	exit 2
fi
lab=$1
outdir=$2
here=grade/autograder/gradescope

case $lab in
'' | *[!0-9]*) pattern=$lab ;;
*) pattern=$(printf '%02d-*' "$((10#$lab))") ;;
esac
mapfile -t confs < <(compgen -G "labs/$pattern/lab.conf")
if [ ${#confs[@]} -ne 1 ]; then
	echo "make autograder: no single lab matches '$lab' in labs/ (LAB=2 or LAB=02-rapid-restart)" >&2
	exit 2
fi
slug=$(basename "$(dirname "${confs[0]}")")
if [ ! -d "staff/$slug/hidden" ]; then
	echo "make autograder: staff/$slug/hidden is missing: the grader needs the lab's hidden checks" >&2
	exit 2
fi
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	echo "make autograder: needs the git repository (it packs the committed files)" >&2
	exit 2
fi

# the committed files that build and grade (what Gradescope's image needs)
files=()
while IFS= read -r -d '' f; do
	case $f in
	Makefile | harness/* | render/* | cli/* | labs/README.md | "labs/$slug/"* | "staff/$slug/"*) ;;
	grade/autograder/*) continue ;;
	grade/*) ;;
	*) continue ;;
	esac
	[ -f "$f" ] && files+=("$f")
done < <(git ls-files -z)

mkdir -p "$outdir"
zip=$outdir/autograder-$slug.zip
python3 - "$zip" "$slug" "$here" "${files[@]}" <<'EOF'
import os
import sys
import zipfile

zip_path, slug, here, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]

def add(z, arcname, data, mode):
    # a fixed date: the same sources make the same zip
    info = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data)

tmp = zip_path + ".tmp"
with zipfile.ZipFile(tmp, "w") as z:
    for script in ("setup.sh", "run_autograder"):
        with open(os.path.join(here, script), "rb") as f:
            add(z, script, f.read(), 0o755)
    add(z, "autograder.conf", f"# the lab this autograder grades (run_autograder reads it)\nlab: {slug}\n".encode(), 0o644)
    for path in sorted(files):
        with open(path, "rb") as f:
            add(z, path, f.read(), 0o755 if os.access(path, os.X_OK) else 0o644)
os.replace(tmp, zip_path)
EOF
echo "$zip: setup.sh, run_autograder and ${#files[@]} source files for lab $slug"
