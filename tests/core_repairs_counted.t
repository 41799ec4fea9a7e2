#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What counts as a repair (status "repairs", oobd_repairs_total): an address
# or route of the config that had disappeared and that the kernel took
# back. Not:
# - a route that a reload removed: oobd's own deletion is no drift. Before,
#   it made the next reconcile call every route the kernel refuses (here a
#   gateway off every subnet) "disappeared", "put back", and counted it;
# - a route put back that the kernel refused: here another's route with the
#   same key took the place of oobd's. Before, it was counted when asked.
#   Once that other route goes, oobd's goes in (before, it stayed out until
#   some other event made oobd look again).
# And the kernel's on-link route of a configured address, removed by hand,
# is put back and counted (before, nothing heard of its removal).
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
OOBCTL=$BUILD/oobctl
[ -x "$OOBCTL" ] || bail "$OOBCTL not built (run make)"
command -v jq >/dev/null || skip_all "needs jq"
repairs() { "$OOBCTL" status --json | jq -r .repairs; }
# Two requests: the first's answer may come before oobd read the events
# of the namespace that arrived with it; by the second's, it has, and the
# reconcile they asked for is done.
settle() { "$OOBCTL" status >/dev/null; "$OOBCTL" status >/dev/null; }
R1="172.16.0.0/12 via $ADM4"
R2="10.0.0.0/8 via 198.51.100.1"

path_up "route = $R1" "route = $R2"
check "the route through $ADM4 is in place" -- wait_until 10 eval "ip -n oob route show 172.16.0.0/12 | grep -q 'via $ADM4'"
like "$(cat "$T/oobd.log")" "changing route $R2 on oob0: .*(Nexthop has invalid gateway|Network is unreachable)" \
	"the route through a gateway off every subnet is refused"
is "$(repairs)" 0 "no repair so far"

# --- a reload removes a route ---
write_nic_config "$T/oobd.conf" "route = $R2"
mark=$(log_mark)
"$OOBCTL" reload >/dev/null 2>&1
ok $? "a reload removes the route through $ADM4"
is "$(ip -n oob route show 172.16.0.0/12)" "" "it is gone"
settle
! log_after "$mark" "had disappeared"
ok $? "nothing is said to have disappeared"
is "$(repairs)" 0 "no repair counted"

# --- put back, and refused: another's route took its key ---
write_nic_config "$T/oobd.conf" "route = $R1"
"$OOBCTL" reload >/dev/null 2>&1
ok $? "a reload brings the route through $ADM4 back (and drops the refused one)"
check "it is in place" -- wait_until 10 eval "ip -n oob route show 172.16.0.0/12 | grep -q 'via $ADM4'"
mark=$(log_mark)
# Both changes before oobd sees the first: the route is missing, and the
# administrator's one has its key.
kill -STOP "$OOBD_PID"
ip -n oob route del 172.16.0.0/12 via "$ADM4" dev oob0 && ip -n oob route add 172.16.0.0/12 dev oob0
ok $? "with oobd stopped, oobd's route is replaced by an administrator's with the same key"
kill -CONT "$OOBD_PID"
check "oobd tries to put its route back" -- wait_until 10 log_after "$mark" "route $R1 had disappeared; putting it back"
check "... and the kernel refuses it: another's route is in the way" -- \
	wait_until 10 log_after "$mark" "conflict with routes oobd does not own"
settle
is "$(repairs)" 0 "not counted as a repair"
like "$(ip -n oob route show 172.16.0.0/12)" "^172\.16\.0\.0/12 dev oob0 " "the administrator's route is left alone"

# --- the other route gone, oobd's goes in; a repair the kernel takes counts ---
ip -n oob route del 172.16.0.0/12 dev oob0
check "the other route removed: oobd's goes in" -- \
	wait_until 10 eval "ip -n oob route show 172.16.0.0/12 | grep -q 'via $ADM4'"
settle
is "$(repairs)" 0 "(still no repair counted)"
ip -n oob route del 172.16.0.0/12 via "$ADM4" dev oob0
check "oobd's route removed by hand: put back" -- \
	wait_until 10 eval "ip -n oob route show 172.16.0.0/12 | grep -q 'via $ADM4'"
settle
is "$(repairs)" 1 "and counted: one repair"

# The kernel's on-link route of $OOB4/24, removed by hand: oobd hears of it,
# puts it back as the kernel had it, and counts it.
mark=$(log_mark)
ip -n oob route del 203.0.113.0/24 dev oob0 proto kernel
ok $? "the on-link route of $OOB4/24 removed by hand"
check "... put back" -- wait_until 10 eval "ip -n oob route show 203.0.113.0/24 dev oob0 | grep -q 'scope link'"
log_after "$mark" "the on-link route of $OOB4/24 on oob0 had disappeared; putting it back"
ok $? "... and the log says so"
settle
is "$(repairs)" 2 "and counted: two repairs"

stop_oobd
done_testing
