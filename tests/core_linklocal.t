#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# "ip -n oob addr flush dev oob0" also removes the kernel's IPv6 link-local
# address, which the kernel makes only as the link becomes ready: oobd has
# the kernel make it again (the same address, EUI-64 or stable privacy), so
# neighbour discovery towards a link-local gateway keeps its source and the
# NIC stays reachable over it. Once, not at every reconcile; and not where
# the admin set addr_gen_mode to none; an oobd stopped half way through
# the toggle has the next one put the mode back.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
OOBCTL=$BUILD/oobctl
LL=fe80::5eff:fe00:5301 # EUI-64 of $NIC_MAC
path_up "address = $OOB6/64 nodad" "gateway = fe80::1"
ip -n admin addr add fe80::1/64 dev adm0 nodad # the link-local gateway
ll() { ip -n oob -6 addr show dev oob0 scope link | awk '/inet6/ { print $2 }'; }
ll_is() { [ "$(ll)" = "$1" ]; }
check "the kernel gave oob0 its link-local address" -- wait_until 10 ll_is "$LL/64"
check "sshd answers over the link-local address" -- wait_until 10 ssh_banner "$LL%adm0"
js() { "$OOBCTL" status --json | jq -r "$1"; }
repairs=$(js .repairs)

mark=$(log_mark)
ip -n oob addr flush dev oob0
check "the configured addresses are put back" -- wait_until 10 eval \
	'ip -n oob addr show dev oob0 | grep -q "$OOB4/24" && ip -n oob addr show dev oob0 | grep -q "$OOB6/64"'
check "the link-local address is back, the same" -- wait_until 10 ll_is "$LL/64"
check "logged" -- wait_until 10 log_after "$mark" "link-local address of oob0 had disappeared; the kernel made it again: $LL/64"
check "sshd answers over the link-local address again" -- wait_until 10 ssh_banner "$LL%adm0"
check "the default route via the link-local gateway is there" -- eval 'ip -n oob -6 route show default | grep -q "via fe80::1"'
# What the gateway learns from oob0's neighbour solicitation (without a
# link-local address, the kernel would send it from $OOB6).
ip -n oob -6 neigh flush dev oob0
ip -n admin -6 neigh flush dev adm0
check "the gateway answers oob0" -- wait_until 10 ip netns exec oob ping -6 -c1 -W1 fe80::1%oob0
like "$(ip -n admin -6 neigh show dev adm0)" "^$LL " "neighbour discovery came from the link-local address"
check "counted as a repair" -- wait_until 10 eval '[ "$(js .repairs)" -gt "$repairs" ]'
check "status: healthy" -- wait_until 10 eval '[ "$(js .health)" = ok ]'

# Present: a reconcile for something else leaves it alone.
mark=$(log_mark)
ip -n oob -6 route del default
check "the default route is put back" -- wait_until 10 eval 'ip -n oob -6 route show default | grep -q "via fe80::1"'
unlike "$(tail -n +"$((mark + 1))" "$T/oobd.log")" "link-local|addr_gen_mode" "no link-local repair while it is there"
is "$(ll)" "$LL/64" "the link-local address untouched"

# Stable privacy: the kernel makes the same stable address again.
ip netns exec oob sysctl -qw net.ipv6.conf.oob0.stable_secret=2001:db8::5ec:7e7
ip netns exec oob sysctl -qw net.ipv6.conf.oob0.addr_gen_mode=2
ip -n oob addr del "$LL/64" dev oob0
stable() { ip -n oob -6 addr show dev oob0 scope link | grep -q stable-privacy; }
check "stable privacy: the kernel's stable link-local address" -- wait_until 10 stable
SLL=$(ll)
mark=$(log_mark)
ip -n oob addr flush dev oob0 scope link
check "stable privacy: the same address is back" -- wait_until 10 eval 'stable && [ "$(ll)" = "$SLL" ]'
check "stable privacy: logged" -- wait_until 10 log_after "$mark" "the kernel made it again: ${SLL%/64}"
is "$(ip netns exec oob sysctl -n net.ipv6.conf.oob0.addr_gen_mode)" 2 "addr_gen_mode is stable_privacy still"

# addr_gen_mode none: the admin wants none; oobd adds none either.
ip netns exec oob sysctl -qw net.ipv6.conf.oob0.addr_gen_mode=1
mark=$(log_mark)
ip -n oob addr flush dev oob0
check "mode none: the configured addresses are put back" -- wait_until 10 eval \
	'ip -n oob addr show dev oob0 | grep -q "$OOB4/24" && ip -n oob addr show dev oob0 | grep -q "$OOB6/64"'
check "mode none: the default route is back" -- wait_until 10 eval 'ip -n oob -6 route show default | grep -q "via fe80::1"'
is "$(ll)" "" "mode none: no link-local address"
is "$(ip netns exec oob sysctl -n net.ipv6.conf.oob0.addr_gen_mode)" 1 "mode none: addr_gen_mode left at none"
unlike "$(tail -n +"$((mark + 1))" "$T/oobd.log")" "link-local" "mode none: nothing said about it"
check "mode none: status healthy" -- wait_until 10 eval '[ "$(js .health)" = ok ]'
stop_oobd

# An oobd that stopped between its two writes of addr_gen_mode (1, then
# back) leaves the mode at 1 and the record of the toggle, as here: the
# next oobd puts the mode back, and the kernel makes the address again.
[ ! -e /run/oobd/addr_gen_mode ]
ok $? "no record of a toggle left after the finished ones"
echo "net.ipv6.conf.oob0.addr_gen_mode 0" > /run/oobd/addr_gen_mode
mark=$(log_mark)
start_oobd "$T/oobd.conf"
check "restarted: addr_gen_mode is eui64 again" -- wait_until 15 eval \
	'[ "$(ip netns exec oob sysctl -n net.ipv6.conf.oob0.addr_gen_mode)" = 0 ]'
check "restarted: the link-local address is back" -- wait_until 10 ll_is "$LL/64"
check "restarted: logged" -- wait_until 10 log_after "$mark" \
	'net.ipv6.conf.oob0.addr_gen_mode was left at 1 \(none\) by an earlier oobd .* set it to 0 again'
check "restarted: the record is gone" -- wait_until 10 eval '[ ! -e /run/oobd/addr_gen_mode ]'
stop_oobd
done_testing
