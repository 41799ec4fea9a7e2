#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# "oobd --down" after the namespace was deleted by hand (oobd stopped), the
# NIC back in the main namespace under its inside name, as the kernel hands
# back a physical NIC: it gets its original name back, and nothing of oobd's
# is left (nic.name, the resolv.conf overlay); a second --down is quiet.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
make_nic
make_keys
write_sshd_config
write_nic_config "$T/oobd.conf" "gateway = $ADM4" "[dns]" "nameserver = 203.0.113.53"
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "oobd did not come up"
stop_oobd
ip -n oob link set oob0 netns 1 # what the kernel does with a physical NIC
ip netns del oob                # when its namespace goes
"$OOBD" --down -c "$T/oobd.conf" >>"$T/oobd.log" 2>&1
is "$?" 0 "oobd --down: exit 0"
check "the NIC is back under its original name $NIC" -- ip link show "$NIC"
check "nic.name is gone" -- test ! -e /run/oobd/nic.name
check "the resolv.conf oobd wrote is gone" -- test ! -e /etc/netns/oob/resolv.conf
out=$("$OOBD" --down -c "$T/oobd.conf" 2>&1)
is "$?" 0 "a second oobd --down: exit 0"
unlike "$out" "^<[34]>" "and no warning"
done_testing
