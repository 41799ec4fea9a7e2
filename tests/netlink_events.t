#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# oobd's event socket in the namespace hears only what it acts on: the NIC's
# link changes and removals, and addresses and routes deleted. The kernel
# announces every address and route added too (oobd's own, in the
# thousands at start-up); a socket filter drops those before they are
# queued. Shown on the socket itself: with oobd stopped (SIGSTOP), what the
# kernel queues for it is visible in /proc/net/netlink. Then each event
# oobd acts on leads to its repair, and repairs and removals are logged by
# name (written out only when needed, not for every request of a batch).
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

make_nic
make_keys
write_sshd_config
write_nic_config "$T/oobd.conf" "gateway = $ADM4" "route = 198.51.100.0/25 via 203.0.113.254"
start_oobd "$T/oobd.conf"
wait_until 20 ssh_banner "$OOB4"
ok $? "oobd is up" || bail "oobd did not come up"

# The receive queue (bytes) of oobd's event socket in the namespace: the
# NETLINK_ROUTE socket subscribed to link, address and route groups
# (RTMGRP_LINK | IPV4_IFADDR | IPV4_ROUTE | IPV6_IFADDR | IPV6_ROUTE).
mon_queue() {
	ip netns exec oob cat /proc/net/netlink | awk '$2 == 0 && $4 == "00000551" { print $5; n++ } END { exit n != 1 }'
}
mon_empty() { [ "$(mon_queue)" = 0 ]; }
q=$(mon_queue)
ok $? "exactly one event socket of oobd's in the namespace"
is "$q" 0 "its queue is empty while oobd runs"

has_route() { ip -n oob route show "$@" | grep -q .; }
has_addr() { ip -n oob addr show dev oob0 | grep -qw "inet6\? $1"; }
nic_up() { ip -n oob link show oob0 | grep -q '[<,]UP[,>]'; }
nic_in_oob() { ip -n oob link show oob0 >/dev/null 2>&1; }

# 1. Additions by hand, 100 routes and an address, with oobd stopped: none
#    reaches its socket.
kill -STOP "$OOBD_PID"
for i in $(seq 0 99); do echo "route add 198.18.$i.0/24 via $ADM4"; done > "$T/routes.batch"
ip -n oob -batch "$T/routes.batch"
ok $? "100 routes added by hand"
ip -n oob addr add 198.51.100.77/24 dev oob0
ok $? "an address added by hand"
is "$(mon_queue)" 0 "nothing queued for oobd: additions are filtered out"

# 2. A deletion of a foreign route: oobd hears it (it decides, not the filter).
ip -n oob route del 198.18.0.0/24
q=$(mon_queue)
ok $(( q > 0 ? 0 : 1 )) "a route deleted is queued for oobd ($q bytes)"
kill -CONT "$OOBD_PID"
wait_until 10 mon_empty
ok $? "oobd reads it"
has_route 198.18.1.0/24 && has_addr 198.51.100.77/24
ok $? "foreign routes and addresses are left alone"

# 3. What oobd acts on still reaches it, each repaired.
ip -n oob route del 198.51.100.0/25
wait_until 10 has_route 198.51.100.0/25 via 203.0.113.254
ok $? "a configured route deleted by hand is put back (RTM_DELROUTE)"
log_has "route 198\.51\.100\.0/25 via 203\.0\.113\.254 had disappeared; putting it back"
ok $? "the repair is logged, naming the route and its gateway"
ip -n oob addr del "$OOB4/24" dev oob0
wait_until 10 has_addr "$OOB4/24"
ok $? "a configured address deleted by hand is put back (RTM_DELADDR)"
log_has "address $OOB4/24 on oob0 had disappeared; putting it back"
ok $? "the repair is logged, naming the address"
wait_until 10 has_route default via "$ADM4"
ok $? "and the default route through it"
ip -n oob link set oob0 down
wait_until 10 nic_up
ok $? "the NIC set down by hand is brought up again (RTM_NEWLINK)"
wait_until 10 ssh_banner "$OOB4"
ok $? "sshd answers again"
ip -n oob link set oob0 netns 1
wait_until 10 nic_in_oob
ok $? "the NIC moved out by hand is taken back (RTM_DELLINK, then the main namespace's RTM_NEWLINK)"
wait_until 10 ssh_banner "$OOB4"
ok $? "sshd answers on it"
is "$(mon_queue)" 0 "the queue is empty again"

# 4. A reload that drops a route and an address: each removal is named.
reload_with() { # reload_with LINE...: the usual config plus LINEs, applied
	local m
	write_nic_config "$T/oobd.conf.new" "$@"
	mv "$T/oobd.conf.new" "$T/oobd.conf"
	m=$(log_mark)
	kill -HUP "$OOBD_PID"
	wait_until 10 log_after "$m" "reload done"
}
reload_with "gateway = $ADM4" "route = 198.51.100.0/25 via 203.0.113.254" "address = 198.51.100.9/32"
ok $? "a reload adds an address"
has_addr 198.51.100.9/32
ok $? "it is in place"
m=$(log_mark)
reload_with "gateway = $ADM4"
ok $? "a reload drops it and the route"
log_after "$m" "removing route 198\.51\.100\.0/25 \(no longer configured\)"
ok $? "the route no longer configured is named as it goes"
log_after "$m" "removing address 198\.51\.100\.9/32 from oob0 \(no longer configured\)"
ok $? "so is the address"
! has_route 198.51.100.0/25 && ! has_addr 198.51.100.9/32
ok $? "both are gone"

stop_oobd
done_testing
