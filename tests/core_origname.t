#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The NIC's name in the main namespace survives a claim-back: moved out by
# hand while oobd runs (or while it is stopped) and taken back, it is still
# handed back under its original name by "oobctl down" and "oobd --down".
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
OOBCTL=$BUILD/oobctl
path_up "gateway = $ADM4"
is "$(head -n 1 /run/oobd/nic.name)" "$NIC" "nic.name holds the original name"
ip -n oob link set oob0 netns 1
check "moved out by hand: claimed back" -- wait_until 10 eval 'ip -n oob link show oob0 >/dev/null 2>&1 && ! ip link show oob0 >/dev/null 2>&1'
is "$(head -n 1 /run/oobd/nic.name)" "$NIC" "nic.name still holds the original name"
"$OOBCTL" down >/dev/null
check "oobctl down hands it back as $NIC" -- ip link show "$NIC"
"$OOBCTL" up >/dev/null
check "up again" -- wait_until 15 ssh_banner "$OOB4"
stop_oobd
ip -n oob link set oob0 netns 1
start_oobd "$T/oobd.conf"
check "moved out while oobd was stopped: claimed back at start" -- wait_until 15 ssh_banner "$OOB4"
stop_oobd
"$OOBD" --down -c "$T/oobd.conf" >>"$T/oobd.log" 2>&1
check "oobd --down hands it back as $NIC" -- ip link show "$NIC"
done_testing
