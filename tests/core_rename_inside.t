#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The NIC renamed by hand inside the namespace: oobd follows it (by the
# ifindex it holds) and keeps repairing drift on it, giving it back its
# configured name as it does; status keeps seeing it.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
OOBCTL=$BUILD/oobctl
path_up "gateway = $ADM4"
ip -n oob link set oob0 name mgmt0
ip -n oob addr del "$OOB4/24" dev mgmt0
check "renamed by hand, then an address deleted: it is put back" -- wait_until 10 ssh_banner "$OOB4"
check "and the NIC has its configured name again" -- wait_until 10 ip -n oob link show oob0
is "$("$OOBCTL" status --json | jq -r '.nic.present')" true "status: the NIC is present"
! log_has 'waiting for it to appear'
ok $? "oobd never took the NIC for gone"
stop_oobd
done_testing
