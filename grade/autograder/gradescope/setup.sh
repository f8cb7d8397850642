#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image
# (Ubuntu or Debian): install what bindlab needs and build it in
# /autograder/source, where Gradescope unpacked the zip.
#
#   AUTOGRADER_ROOT   the autograder's folder (default /autograder)
#   BINDLAB_SKIP_INSTALL=1   build only, install nothing (the tests, a machine
#                     that has the packages already)
set -euo pipefail

AUTOGRADER_ROOT=${AUTOGRADER_ROOT:-/autograder}
SOURCE=$AUTOGRADER_ROOT/source

if [ "${BINDLAB_SKIP_INSTALL:-}" != 1 ]; then
	# The packages that build and run bindlab are listed once, in the
	# Makefile's DEPS_RUN (the tests' packages are not needed to grade);
	# python3 is run_autograder's, to check the results.json it hands in.
	read -r -a deps <<<"$(sed -n 's/^DEPS_RUN *= *//p' "$SOURCE/Makefile")"
	if [ ${#deps[@]} -eq 0 ]; then
		echo "setup.sh: no DEPS_RUN line in $SOURCE/Makefile" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${deps[@]}" python3
fi

make -C "$SOURCE" -j"$(nproc)" all
# For the build log only: the image is built on another machine than the one
# each submission runs on, so run_autograder asks again before grading.
"$SOURCE/build/bindlab" doctor || true
