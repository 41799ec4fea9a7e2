#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A macvlan child re-created (its parent re-created, or the child deleted)
# keeps its MAC, derived from the parent's and the namespace's name: peers
# whose ARP cache keeps an entry for long (as routers do) reach it again at
# once, instead of sending to a MAC that no longer exists.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
make_keys
write_sshd_config
make_trunk
printf '%s\n' '[interface]' 'kind = macvlan' 'parent = trunk0' "address = $OOB4/24" "gateway = $ADM4" |
	write_config "$T/oobd.conf"
# Like a router: a learnt ARP entry is used for long before it is checked.
ip netns exec admin sysctl -qw net.ipv4.neigh.adm0.delay_first_probe_time=120
ip netns exec admin sysctl -qw net.ipv4.neigh.adm0.base_reachable_time_ms=120000
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "oobd did not come up"
mac() { ip -n oob -o link show oob0 | grep -o 'link/ether [0-9a-f:]*'; }
mac1=$(mac)
ip -n oob link del oob0
check "the child is made again, with its address" -- wait_until 10 eval 'ip -n oob -o addr show dev oob0 | grep -q "inet $OOB4/"'
is "$(mac)" "$mac1" "with the same MAC"
check "the admin reaches sshd again" -- wait_until 10 ssh_banner "$OOB4"
stop_oobd
done_testing
