#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel refuses oobd's own sysctl defaults (accept_ra and
# accept_redirects off in the namespace: otherwise any host on the
# management LAN can hand the NIC an address, a route or a detour;
# promote_secondaries on), here
# with /proc/sys read-only, as in some containers. The path still comes up
# and an admin logs in, but status is degraded and says so, since the
# namespace then takes router advertisements and redirects; the problem
# goes as soon as the values hold, set by oobd's next reconcile or by hand.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
OOBCTL=$BUILD/oobctl
[ -x "$OOBCTL" ] || bail "$OOBCTL not built (run make)"
command -v jq >/dev/null || skip_all "needs jq"
problems() { "$OOBCTL" status --json | jq -r '.problems[]'; }

# /proc/sys read-only in the sandbox's own mount namespace.
mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys || bail "cannot make /proc/sys read-only"
! sh -c 'echo 0 > /proc/sys/net/ipv4/ip_forward' 2>/dev/null
ok $? "/proc/sys is read-only in the sandbox"

path_up
is "$(oob_ssh "$OOB4" echo in-oob 2>>"$T/ssh.log")" "in-oob" "an admin logs in all the same"
like "$(grep 'accept_ra = 0' "$T/oobd.log")" '^<3>sysctl net\.ipv6\.conf\.all\.accept_ra = 0 in namespace "oob": Read-only file system' \
	"the refusal is logged"
is "$(ip netns exec oob cat /proc/sys/net/ipv6/conf/all/accept_ra)" 1 "router advertisements are still taken in the namespace"
like "$(problems)" "^sysctl net\.ipv6\.conf\.all\.accept_ra = 0 \(oobd's default against router advertisements and ICMP redirects\) refused: Read-only file system; and 11 more of those$" \
	"status: a problem, naming the first and counting the rest"
is "$("$OOBCTL" status --json | jq -r .health)" degraded "status --json: degraded"
"$OOBCTL" status >/dev/null
is "$?" 1 "oobctl status exits 1"

# Writable again; oobd's next reconcile (a drift repaired) writes them.
mount -o remount,bind,rw /proc/sys
ip -n oob addr del "$OOB4/24" dev oob0
check "the address is put back" -- wait_until 10 eval "ip -n oob -4 addr show dev oob0 | grep -q '$OOB4/24'"
is "$(ip netns exec oob cat /proc/sys/net/ipv6/conf/all/accept_ra)" 0 "the reconcile set the defaults"
is "$(problems)" "" "status: no problem left"

# Set back by hand: status reads the values, it does not wait for a reconcile
# to see them hold again.
ip netns exec oob sh -c 'echo 1 > /proc/sys/net/ipv4/conf/all/accept_redirects'
mount -o remount,bind,ro /proc/sys
ip -n oob addr del "$OOB4/24" dev oob0
check "the address is put back again" -- wait_until 10 eval "ip -n oob -4 addr show dev oob0 | grep -q '$OOB4/24'"
like "$(problems)" "^sysctl net\.ipv4\.conf\.all\.accept_redirects = 0 \(oobd's default .*\) refused: Read-only file system$" \
	"read-only again: the one that does not hold is the problem; those that hold are not"
mount -o remount,bind,rw /proc/sys
ip netns exec oob sh -c 'echo 0 > /proc/sys/net/ipv4/conf/all/accept_redirects'
is "$(problems)" "" "set by hand: the problem goes at once"

stop_oobd
done_testing
