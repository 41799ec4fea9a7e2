#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# "oobd --down" (as "oobctl down") when it cannot tell which link in the
# namespace is the NIC: renamed by hand while oobd was stopped, and another
# link there with the same MAC address. Nothing is torn down and it says
# why, exit status 1: before, it took "not there" for an answer, removed
# the namespace (a virtual NIC went with it, a physical one fell back to
# the main namespace under the name it had inside) and the record of the
# NIC's original name, and reported success. Once the other link is gone,
# the same command hands the NIC back under its original name.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

path_up
stop_oobd
ip -n oob link set oob0 down && ip -n oob link set oob0 name mine0
ok $? "the NIC is renamed mine0 by hand in the namespace, while oobd is stopped"
ip -n oob link add x1 address "$NIC_MAC" type veth peer name x2
ok $? "and a link with the NIC's MAC address is made beside it"

out=$("$OOBD" --down -c "$T/oobd.conf" 2>&1); st=$?
printf '%s\n' "$out" >> "$T/oobd.log"
is "$st" 1 "oobd --down: exit status 1"
like "$out" "several links in namespace \"oob\" have the NIC's MAC address and none is named oob0; nothing torn down" \
	"... and it says why"
ip netns list | grep -qw oob
ok $? "the namespace is still there"
ip -n oob link show mine0 >/dev/null 2>&1
ok $? "the NIC is still in it"
is "$(head -n 1 /run/oobd/nic.name 2>/dev/null)" "$NIC" "the record of its original name is kept"
ip -n oob link show x1 >/dev/null 2>&1
ok $? "the other link is left alone"

ip -n oob link del x1
out=$("$OOBD" --down -c "$T/oobd.conf" 2>&1); st=$?
printf '%s\n' "$out" >> "$T/oobd.log"
is "$st" 0 "the other link removed: oobd --down succeeds"
ip link show "$NIC" >/dev/null 2>&1
ok $? "the NIC is back in the main namespace as $NIC"
! ip netns list | grep -qw oob
ok $? "the namespace is removed"
test ! -e /run/oobd/nic.name
ok $? "the record of the NIC's name is gone with it"

done_testing
