# SPDX-License-Identifier: GPL-2.0-or-later
# nsenter-main and nsenter-oob: they exec the command (its exit status is
# theirs), say clearly when they cannot run, and give the right view.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

# A namespace the way "ip netns add" makes it, with a link and an overlay.
ip netns add oob
ip -n oob link add oobside0 type veth peer name oobside1
mkdir -p /etc/netns/oob
echo "nameserver 198.51.100.53" > /etc/netns/oob/resolv.conf
ip link add mainmark0 type veth peer name mainmark1
printf '#!/bin/sh\necho should not run\n' > "$T/notexec"
chmod 0644 "$T/notexec"
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
# Where a setuid bit is honoured (/run is mounted nosuid).
mkdir -p "$T/suid" && mount -t tmpfs -o mode=0755 oobd-suid "$T/suid"

for h in nsenter-main nsenter-oob; do
	bin=$BUILD/$h
	"$bin" sh -c 'exit 7'
	is "$?" 7 "$h: the command's exit status (7) is passed on"
	"$bin" true
	is "$?" 0 "$h: exit status 0 is passed on"
	{ "$bin" sh -c 'kill -TERM $$'; } 2>/dev/null
	is "$?" 143 "$h: a command killed by SIGTERM gives 128+15"

	err=$("$bin" no-such-command-oobd 2>&1); st=$?
	is "$st" 127 "$h: a command that does not exist gives 127"
	like "$err" "^$h: no-such-command-oobd: No such file or directory" "$h: ... and says which"
	"$bin" no-such-command-oobd 2>&-
	is "$?" 127 "$h: with stderr closed, a command that does not exist still gives 127"
	err=$("$bin" "$T/notexec" 2>&1); st=$?
	is "$st" 126 "$h: a file that is not executable gives 126"
	like "$err" "^$h: $T/notexec: Permission denied" "$h: ... and says why"

	err=$($NOBODY "$bin" true 2>&1); st=$?
	ok $(( st == 0 )) "$h: not root: fails (exit $st)"
	like "$err" "^$h: must be run as root$" "$h: not root: says it must be run as root"

	# Installed setuid root by mistake: a user's command would run as root.
	cp "$bin" "$T/suid/$h" && chmod 4755 "$T/suid/$h"
	err=$($NOBODY "$T/suid/$h" id -u 2>&1); st=$?
	is "$st" 126 "$h: setuid root, run by a user: refused (126)"
	like "$err" "^$h: must be run as root \(not through a setuid bit\)$" "$h: ... and says why"

	err=$("$bin" 2>&1); st=$?
	is "$st" 2 "$h: no command: usage error (2)"
	like "$err" "^Usage: $h " "$h: no command: prints the usage"
	err=$("$bin" -- 2>&1); st=$?
	is "$st" 2 "$h: -- and no command: usage error (2)"
	like "$err" "^$h: no command" "$h: ... and says there is no command"
	"$bin" --version > /dev/full 2>/dev/null
	is "$?" 1 "$h: --version that cannot be written: exit status 1"
done

# --- nsenter-main: PID 1's namespaces ---
# From inside namespace oob (with its own mount namespace), nsenter-main
# gets back to the main one.
out=$(ip netns exec oob "$NSENTER_MAIN" ip -o link 2>&1)
like "$out" "mainmark0" "nsenter-main from inside oob sees the main links"
unlike "$out" "oobside0" "... and not oob's"
is "$(ip netns exec oob "$NSENTER_MAIN" readlink /proc/self/ns/net)" "$(readlink /proc/1/ns/net)" \
	"nsenter-main enters PID 1's network namespace"
is "$(ip netns exec oob "$NSENTER_MAIN" readlink /proc/self/ns/mnt)" "$(readlink /proc/1/ns/mnt)" \
	"nsenter-main enters PID 1's mount namespace"
is "$(ip netns exec oob "$NSENTER_MAIN" cat /etc/resolv.conf)" "$(cat /etc/resolv.conf)" \
	"nsenter-main: the main resolv.conf, not the overlay"
is "$(cd /tmp && ip netns exec oob "$NSENTER_MAIN" pwd)" "/tmp" "nsenter-main keeps the working directory"
# A disk mounted in the session (its own mount namespace) is not in the
# main one, where the same path is another, empty directory.
mkdir -p "$T/disk"
# shellcheck disable=SC2016 # the inner shell's arguments
out=$(ip netns exec oob sh -c 'mount -t tmpfs oobd-disk "$1" && touch "$1/mine" && cd "$1" && "$2" pwd' sh \
	"$T/disk" "$NSENTER_MAIN" 2>"$T/err")
is "$out" "/" "nsenter-main: a working directory that is another directory in the main system: runs in /"
like "$(cat "$T/err")" "^nsenter-main: warning: the working directory $T/disk is not the same directory in the main system; running in /$" \
	"... and says so"
is "$("$NSENTER_MAIN" -- echo dashdash)" "dashdash" "nsenter-main accepts -- before the command"

# --- nsenter-oob: the "ip netns exec" view ---
out=$("$NSENTER_OOB" ip -o link 2>&1)
like "$out" "oobside0" "nsenter-oob sees the namespace's links"
unlike "$out" "mainmark0" "... and not the main ones"
is "$("$NSENTER_OOB" readlink /proc/self/ns/net)" "$(ip netns exec oob readlink /proc/self/ns/net)" \
	"nsenter-oob enters the same namespace as ip netns exec"
is "$("$NSENTER_OOB" ls /sys/class/net | sort | tr '\n' ' ')" "$(ip netns exec oob ls /sys/class/net | sort | tr '\n' ' ')" \
	"nsenter-oob: /sys/class/net as ip netns exec shows it"
is "$("$NSENTER_OOB" cat /etc/resolv.conf)" "nameserver 198.51.100.53" "nsenter-oob: the resolv.conf overlay"
unlike "$(cat /etc/resolv.conf)" "198.51.100.53" "the main resolv.conf is not the overlay"
is "$(grep -c ' /etc/resolv.conf ' /proc/self/mountinfo)" 0 "nothing of nsenter-oob's is mounted in main"
is "$("$NSENTER_OOB" sh -c 'echo "$0 $1"' a b)" "a b" "nsenter-oob passes the arguments as they are"
is "$("$NSENTER_OOB" ls -d /)" "/" "nsenter-oob leaves the command's options to it"
# A read-only /sys that can be unmounted: ip mounts the fresh one read-write.
sysopts() { awk '$2 == "/sys" { split($4, o, ","); print o[1] }' /proc/self/mounts | tail -n 1; }
mount -o remount,bind,ro /sys
is "$("$NSENTER_OOB" sh -c "$(declare -f sysopts); sysopts")" "$(ip netns exec oob sh -c "$(declare -f sysopts); sysopts")" \
	"nsenter-oob: the main /sys read-only, the fresh one as ip netns exec mounts it"
mount -o remount,bind,rw /sys

ip netns add other
ip -n other link add otherside0 type veth peer name otherside1
like "$("$NSENTER_OOB" -n other ip -o link 2>&1)" "otherside0" "nsenter-oob -n NAME picks the namespace"
like "$("$NSENTER_OOB" --netns other ip -o link 2>&1)" "otherside0" "nsenter-oob --netns NAME too"

err=$("$NSENTER_OOB" -n missing true 2>&1); st=$?
is "$st" 126 "nsenter-oob: a missing namespace gives 126"
like "$err" 'cannot open network namespace "missing": No such file or directory' "... and says so"
touch /run/netns/plainfile
err=$("$NSENTER_OOB" -n plainfile true 2>&1); st=$?
is "$st" 126 "nsenter-oob: a plain file under /run/netns gives 126"
like "$err" '"plainfile": not a network namespace' "... and says it is not a namespace"
touch /run/netns/utsfile && mount --bind /proc/self/ns/uts /run/netns/utsfile
err=$("$NSENTER_OOB" -n utsfile true 2>&1); st=$?
is "$st" 126 "nsenter-oob: another kind of namespace under /run/netns gives 126"
like "$err" '"utsfile": not a network namespace' "... and says it is not a network namespace"
err=$("$NSENTER_OOB" -n ../etc true 2>&1); st=$?
is "$st" 2 "nsenter-oob: a name with a slash is refused (2)"
like "$err" 'invalid namespace name' "... and says so"

done_testing
