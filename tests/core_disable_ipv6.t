#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# IPv6 turned off on the NIC inside the namespace (disable_ipv6 = 1) while
# the config gives it an IPv6 address and route: the kernel refuses them.
# oobd says so once (not at each later reconcile), counts no repair, status
# names the cause and shows the address and route as "ipv6-off" (not as
# missing problems of their own); and when disable_ipv6 is 0 again (no link or netconf
# event: only the routes IPv6 brings to the link) the address and route come
# back. A config whose own sysctls turn IPv6 off is warned about at its line.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
OOBCTL=$BUILD/oobctl
path_up "address = $OOB6/64 nodad" "route = 2001:db8:99::/48 via $ADM6"
js() { "$OOBCTL" status --json | jq -r "$1"; }
has6() { ip -n oob -6 addr show dev oob0 scope global | grep -q "$OOB6/64"; }
route6() { ip -n oob -6 route show 2001:db8:99::/48 | grep -q "via $ADM6"; }
check "the IPv6 address is on oob0" -- wait_until 10 has6
check "the IPv6 route is there" -- wait_until 10 route6
repairs=$(js .repairs)

mark=$(log_mark)
ip netns exec oob sysctl -qw net.ipv6.conf.oob0.disable_ipv6=1
offmsg='IPv6 is off on oob0 \(net.ipv6.conf.oob0.disable_ipv6 = 1\)'
check "logged" -- wait_until 10 log_after "$mark" "$offmsg"
check "status names the cause" -- wait_until 10 eval \
	'js ".problems[]" | grep -q "IPv6 is off on the NIC oob0 (net.ipv6.conf.oob0.disable_ipv6 = 1)"'
is "$(js '.addresses[] | select(.address == "'"$OOB6"'/64") | .state')" ipv6-off "status: the IPv6 address is ipv6-off"
is "$(js '.routes[] | select(.destination == "2001:db8:99::/48") | .state')" ipv6-off "status: the IPv6 route is ipv6-off"
unlike "$(js '.problems[]')" "missing" "status: no missing address or route as a problem of its own"
is "$(js '.problems | length')" 1 "status: one problem, the cause"
text=$("$OOBCTL" status)
like "$text" "$OOB6/64 +oobd +ipv6-off" "status text: the IPv6 address is ipv6-off"
like "$text" "2001:db8:99::/48 via $ADM6 +oobd +ipv6-off" "status text: the IPv6 route is ipv6-off"
# Another reconcile (an IPv4 address deleted: drift) must not try again.
ip -n oob addr del "$OOB4/24" dev oob0
check "the IPv4 address is put back" -- wait_until 10 eval 'ip -n oob -4 addr show dev oob0 | grep -q "$OOB4/24"'
after=$(tail -n +"$((mark + 1))" "$T/oobd.log")
is "$(grep -Ec "$offmsg" <<<"$after")" 1 "said once"
unlike "$after" "Permission denied|IPv6 is disabled" "the IPv6 address and route are not tried while IPv6 is off"
unlike "$after" "$OOB6/64 on oob0 had disappeared|2001:db8:99::/48 .*had disappeared" "nor reported as put back"
is "$(js .repairs)" "$((repairs + 1))" "only the IPv4 address counts as a repair"

mark=$(log_mark)
ip netns exec oob sysctl -qw net.ipv6.conf.oob0.disable_ipv6=0
check "IPv6 on again: the address is back" -- wait_until 10 has6
check "IPv6 on again: the route is back" -- wait_until 10 route6
check "logged" -- wait_until 10 log_after "$mark" 'IPv6 is on again on oob0'
check "status: healthy" -- wait_until 10 eval '[ "$(js .health)" = ok ]'
stop_oobd

# The config's own sysctls: oobd -t says so at the line.
printf '%s\n' '[interface]' "match = mac:$NIC_MAC" 'rename = oob0' "address = $OOB6/64" \
	'[sysctl]' 'net.ipv4.ip_forward = 0' 'net.ipv6.conf.oob0.disable_ipv6 = 1' | write_config "$T/off.conf"
out=$("$OOBD" -t -c "$T/off.conf" 2>&1)
like "$out" "off.conf:9: warning: sysctl 'net.ipv6.conf.oob0.disable_ipv6 = 1' turns IPv6 off" "oobd -t: at the line"
printf '%s\n' '[interface]' "match = mac:$NIC_MAC" 'rename = oob0' "address = $OOB4/24" \
	'[sysctl]' 'net.ipv6.conf.all.disable_ipv6 = 1' | write_config "$T/off4.conf"
unlike "$("$OOBD" -t -c "$T/off4.conf" 2>&1)" "turns IPv6 off" "oobd -t: nothing said without IPv6 in [interface]"
done_testing
