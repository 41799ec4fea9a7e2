#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A NIC matched by name, renamed by hand inside the namespace while oobd
# was stopped: the next start takes it where it is (named back), as
# /run/oobd/nic.name records its ifindex and MAC inside. Before, it was
# taken for a leftover of another config, handed back to the main
# namespace and moved in again: a flap of the link, and of every session
# through it. "oobd --down" finds it the same way, and hands it back
# under its own name.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

make_nic
make_keys
write_sshd_config
printf '%s\n' '[interface]' "match = $NIC" 'rename = oob0' "address = $OOB4/24" | write_config "$T/oobd.conf"
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers through the NIC matched by name" || bail "oobd did not come up"
stop_oobd
ip -n oob link set oob0 down && ip -n oob link set oob0 name mine0
ok $? "with oobd stopped, the NIC is renamed mine0 inside the namespace"
idx=$(ip -n oob -o link show mine0 | cut -d: -f1)

mark=$(log_mark)
start_oobd "$T/oobd.conf"
check "oobd started again: sshd answers" -- wait_until 15 ssh_banner "$OOB4"
check "the NIC is named oob0 again" -- wait_until 10 eval "ip -n oob link show oob0 >/dev/null 2>&1"
log_after "$mark" "NIC mine0 \(ifindex $idx\) in namespace \"oob\" had been renamed; renamed it oob0 again"
ok $? "... where it was: renamed, and said so"
! log_after "$mark" "handing it back|moved $NIC"
ok $? "... neither handed back nor moved in again"
stop_oobd

ip -n oob link set oob0 down && ip -n oob link set oob0 name mine0
"$OOBD" --down -c "$T/oobd.conf" >> "$T/oobd.log" 2>&1
ok $? "renamed again: oobd --down"
ip link show "$NIC" >/dev/null 2>&1
ok $? "... hands it back as $NIC"
! ip netns list | grep -qw oob
ok $? "... and removes the namespace"

done_testing
