#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The NIC appears directly inside the namespace (moved in by hand while oobd
# waits for it), never passing through the main namespace: oobd takes it
# there, renamed as configured, without waiting for an unrelated event.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
make_keys
write_sshd_config
write_nic_config "$T/oobd.conf" "gateway = $ADM4"
start_oobd "$T/oobd.conf"
wait_until 15 log_has 'not present; waiting for it to appear'
ok $? "oobd waits for the NIC" || bail "oobd does not wait"
ip netns add admin
ip link add "$NIC" address "$NIC_MAC" netns oob type veth peer name adm0 netns admin
ip -n admin link set lo up
ip -n admin addr add "$ADM4/24" dev adm0
ip -n admin link set adm0 up
check "the NIC that appeared inside is configured" -- wait_until 10 ssh_banner "$OOB4"
check "and renamed oob0" -- ip -n oob link show oob0
stop_oobd
done_testing
