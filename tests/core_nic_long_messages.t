#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A NIC whose netlink messages are tens of kB long (here 300 altnames of
# 125 characters: about 40 kB; many SR-IOV VFs make them long too) is
# found like any other. Before, the kernel's announcement of it was cut to
# oobd's buffer and lost, and a dump of the links left it out, silently
# (the kernel sizes a dump's parts for its longest link only when asked
# with a filter mask): oobd waited for the NIC for ever while it was there.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
OOBCTL=$BUILD/oobctl

make_nic
make_keys
write_sshd_config
write_nic_config "$T/oobd.conf"
# The NIC waits in another namespace, where it gets its altnames.
ip netns add staging
ip link set "$NIC" netns staging
for i in $(seq 1 300); do
	ip -n staging link property add dev "$NIC" altname "a$(printf %0124d "$i")" || break
done
is "$(ip -n staging -o link show "$NIC" | grep -o 'altname' | wc -l)" 300 "the NIC has 300 altnames"
big=$(ip -n staging -d link show "$NIC" | wc -c)
ok $(( big > 32768 ? 0 : 1 )) "its description is longer than 32 kB ($big bytes)"

start_oobd "$T/oobd.conf"
check "oobd waits for the NIC" -- wait_until 10 log_has "not present; waiting for it to appear"
ip -n staging link set "$NIC" netns "$$"
ok $? "the NIC appears in the main namespace"
check "oobd takes it in" -- wait_until 10 eval "ip -n oob link show oob0 >/dev/null 2>&1"
check "sshd answers through it" -- wait_until 15 ssh_banner "$OOB4"
like "$("$OOBCTL" status)" "nic +oob0 " "status describes it"

# An announcement from inside the namespace, as long.
ip -n oob link set oob0 down
check "set down by hand: oobd sets it up again" -- wait_until 10 eval "ip -n oob link show oob0 | grep -q ',UP'"

stop_oobd
done_testing
