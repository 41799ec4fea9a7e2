#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A configured IPv6 address the kernel refuses, and the nodad of an
# address changed by a reload.
# - The NIC has the configured IPv6 address with another prefix length
#   (added by hand): the kernel refuses the configured one with EEXIST.
#   Before, that was silent ("1 failed" at info level), and oobd then put
#   back "the on-link route" of the configured prefix, which no address
#   backs and which oobd never removes. Now a warning names the address,
#   once, and no such route is made.
# - A reload that adds or removes nodad on an address: before, only the
#   address and prefix were compared, and it kept its old flags. Now it is
#   taken away and added again with the config's.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
OOBCTL=$BUILD/oobctl
[ -x "$OOBCTL" ] || bail "$OOBCTL not built (run make)"
command -v jq >/dev/null || skip_all "needs jq"
# Two requests: by the second's answer, oobd has read the events of the
# namespace that arrived with the first, and the reconcile they asked for
# is done.
settle() { "$OOBCTL" status >/dev/null; "$OOBCTL" status >/dev/null; }
a6() { ip -n oob -6 -o addr show dev oob0 scope global; }
state6() { "$OOBCTL" status --json | jq -r --arg a "$1" '.addresses[] | select(.address == $a) | .state'; }

path_up "address = $OOB6/64"
check "$OOB6/64 is on the NIC" -- wait_until 10 eval "a6 | grep -q ' $OOB6/64 '"

# --- the address by hand with another prefix length ---
mark=$(log_mark)
kill -STOP "$OOBD_PID"
ip -n oob addr del "$OOB6/64" dev oob0 && ip -n oob addr add "$OOB6/56" dev oob0 nodad
ok $? "with oobd stopped, $OOB6/64 is replaced by $OOB6/56 by hand"
kill -CONT "$OOBD_PID"
check "oobd tries to put $OOB6/64 back" -- \
	wait_until 10 log_after "$mark" "address $OOB6/64 on oob0 had disappeared; putting it back"
settle
check "a warning names the address and the one the NIC has" -- \
	log_after "$mark" "adding address $OOB6/64 on oob0: the NIC already has it with another prefix length \($OOB6/56\)"
is "$(ip -n oob -6 route show 2001:db8:10::/64)" "" "no on-link route of 2001:db8:10::/64 is made for it"
! log_after "$mark" "on-link route of $OOB6/64"
ok $? "... nor is one said to be put back"
is "$(state6 "$OOB6/64")" missing "status reports $OOB6/64 missing"
like "$("$OOBCTL" status)" "address $OOB6/64 is missing" "... as a problem"
is "$(a6 | awk '{ print $4 }')" "$OOB6/56" "the address by hand is left as it is"

# another_reconcile: one of oobd's reconciles, for a cause of its own: its
# IPv4 address removed by hand and put back; then the rest of it settled.
another_reconcile() {
	ip -n oob addr del "$OOB4/24" dev oob0
	check "$OOB4/24 removed by hand: put back" -- \
		wait_until 10 eval "ip -n oob -4 addr show dev oob0 | grep -q ' $OOB4/24 '"
	settle
}

# Said once: other reconciles (an address of oobd's taken away) do not say it again.
mark=$(log_mark)
another_reconcile
! log_after "$mark" "^<[0-4]>.*$OOB6/64"
ok $? "the refusal of $OOB6/64 is not said again at the next reconcile (nor as disappeared)"
is "$(ip -n oob -6 route show 2001:db8:10::/64)" "" "still no route of 2001:db8:10::/64"

# The address by hand gone, the configured one goes in, with its route.
ip -n oob addr del "$OOB6/56" dev oob0
"$OOBCTL" reload >/dev/null 2>&1
check "a reload: $OOB6/64 goes in" -- wait_until 10 eval "a6 | grep -q ' $OOB6/64 '"
check "... with its on-link route" -- wait_until 10 eval "ip -n oob -6 route show 2001:db8:10::/64 | grep -q 'dev oob0'"

# --- nodad added by a reload ---
# At once: the address above is fresh, still in duplicate address
# detection (tentative) for a second.
write_nic_config "$T/oobd.conf" "address = $OOB6/64 nodad"
mark=$(log_mark)
"$OOBCTL" reload >/dev/null 2>&1
ok $? "a reload adds nodad to $OOB6/64"
settle
unlike "$(a6)" "tentative" "$OOB6/64 is not tentative right after it"
check "$OOB6/64 has the nodad flag" -- wait_until 10 eval "a6 | grep ' $OOB6/64 ' | grep -qw nodad"
settle
! log_after "$mark" "had disappeared"
ok $? "nothing is said to have disappeared"
ip -n oob addr del "$OOB6/64" dev oob0
check "$OOB6/64 removed by hand: put back, with nodad" -- \
	wait_until 10 eval "a6 | grep ' $OOB6/64 ' | grep -qw nodad"

# No churn: another reconcile leaves it alone.
mark=$(log_mark)
another_reconcile
! log_after "$mark" "address $OOB6/64"
ok $? "$OOB6/64 is left as it is at the next reconcile"

# --- nodad removed by a reload ---
write_nic_config "$T/oobd.conf" "address = $OOB6/64"
"$OOBCTL" reload >/dev/null 2>&1
ok $? "a reload removes nodad from $OOB6/64"
check "$OOB6/64 no longer has the nodad flag" -- \
	wait_until 10 eval "a6 | grep ' $OOB6/64 ' | grep -qvw nodad"
check "... and finishes duplicate address detection" -- \
	wait_until 10 eval "a6 | grep ' $OOB6/64 ' | grep -qv tentative"
check "sshd answers at $OOB6" -- wait_until 10 ssh_banner "$OOB6"

stop_oobd
done_testing
