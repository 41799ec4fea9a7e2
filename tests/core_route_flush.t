#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# "ip -n oob route flush dev oob0" removes the kernel's on-link prefix
# routes with oobd's: oobd puts the prefix route back first (the kernel
# refuses a gateway without it), then its gateways, and an admin behind the
# gateway reaches sshd again, over IPv4 and IPv6.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
make_nic
make_keys
write_sshd_config
ip -n admin addr add 198.51.100.1/32 dev lo # an admin behind the gateway
ip -n admin addr add 2001:db8:99::1/128 dev lo
write_nic_config "$T/oobd.conf" "address = $OOB6/64 nodad" "gateway = $ADM4" "gateway = $ADM6"
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "oobd did not come up"
ip -n admin route add "$OOB4/32" dev adm0 src 198.51.100.1
ip -n admin -6 route add "$OOB6/128" dev adm0 src 2001:db8:99::1
check "IPv4: an admin behind the gateway reaches sshd" -- wait_until 10 ssh_banner "$OOB4"
check "IPv6: an admin behind the gateway reaches sshd" -- wait_until 10 ssh_banner "$OOB6"
ip -n oob -4 route flush dev oob0
ip -n oob -6 route flush dev oob0
check "IPv4 default route put back" -- wait_until 10 eval 'ip -n oob -4 route show default | grep -q "via $ADM4"'
check "IPv6 default route put back" -- wait_until 10 eval 'ip -n oob -6 route show default | grep -q "via $ADM6"'
check "IPv4: the admin behind the gateway reaches sshd after the flush" -- wait_until 10 ssh_banner "$OOB4"
check "IPv6: the admin behind the gateway reaches sshd after the flush" -- wait_until 10 ssh_banner "$OOB6"
stop_oobd
done_testing
