#!/bin/sh
# Install what building and testing oobd needs on Debian 12, if missing.
# Called by "make check"; safe to run again.
set -e
PKGS="gcc make pkg-config libc6-dev libmnl-dev libinih-dev libcmocka-dev libip4tc-dev libip6tc-dev
      iproute2 iptables openssh-server openssh-client util-linux procps psmisc strace
      netcat-openbsd python3 jq perl iputils-ping groff-base"
# Fuzzing, sanitizers, leak checks and static analysis (tests/fuzz.mk, sanitize.mk, static.mk, valgrind.t).
PKGS="$PKGS clang libclang-rt-14-dev llvm clang-tidy cppcheck valgrind"
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
