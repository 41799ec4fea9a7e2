#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Sysctl values the kernel takes and shows in its own form ("8080,8081"
# reads back "8080-8081", "01" reads back "1"), and values longer than 127
# characters, hold: status reports no problem for them, also after a
# reconcile writes them again. A value changed by hand afterwards is still
# a problem, and goes as soon as it is set back.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
OOBCTL=$BUILD/oobctl
[ -x "$OOBCTL" ] || bail "$OOBCTL not built (run make)"
command -v jq >/dev/null || skip_all "needs jq"
problems() { "$OOBCTL" status --json | jq -r '.problems[]'; }
actual() { "$OOBCTL" status --json | jq -r --arg k "$1" '.sysctls[] | select(.key == $k) | "\(.actual) \(.ok)"'; }

# 8080,8081 then 25 ports, none next to another: 159 characters (a config
# line has at most 198), which the kernel shows as "8080-8081,10000,...".
many=$(seq 10000 2 10048 | paste -sd,)
ports="8080,8081,$many"
shown="8080-8081,$many"
[ ${#shown} -gt 150 ] || bail "the port list is too short"
path_up '[sysctl]' "net.ipv4.ip_local_reserved_ports = $ports" 'net.ipv4.conf.all.arp_ignore = 01'
rsv=/proc/sys/net/ipv4/ip_local_reserved_ports
is "$(ip netns exec oob cat $rsv)" "$shown" "the kernel shows the ports in its own form"
is "$(ip netns exec oob cat /proc/sys/net/ipv4/conf/all/arp_ignore)" 1 "the kernel shows 01 as 1"
is "$(actual net.ipv4.ip_local_reserved_ports)" "$shown true" "status: the whole value read, in effect"
is "$(actual net.ipv4.conf.all.arp_ignore)" "1 true" "status: 01 in effect"
is "$(problems)" "" "status: no problem"

# A reconcile (a drift repaired) writes them again: still no problem.
ip -n oob addr del "$OOB4/24" dev oob0
check "the address is put back" -- wait_until 10 eval "ip -n oob -4 addr show dev oob0 | grep -q '$OOB4/24'"
is "$(problems)" "" "status after a reconcile: no problem"

# Changed by hand: status reads the values, and says so at once.
ip netns exec oob sh -c "echo 8080 > $rsv"
ip netns exec oob sh -c 'echo 2 > /proc/sys/net/ipv4/conf/all/arp_ignore'
p=$(problems)
like "$p" "^sysctl net\.ipv4\.ip_local_reserved_ports is 8080, configured $ports$" "status: the ports changed by hand"
like "$p" "^sysctl net\.ipv4\.conf\.all\.arp_ignore is 2, configured 01$" "status: arp_ignore changed by hand"
is "$(actual net.ipv4.conf.all.arp_ignore)" "2 false" "status --json: not in effect"
is "$("$OOBCTL" status --json | jq -r .health)" degraded "status --json: degraded"

# Set back by hand, in the configured form: the problems go at once.
ip netns exec oob sh -c "echo $ports > $rsv"
ip netns exec oob sh -c 'echo 01 > /proc/sys/net/ipv4/conf/all/arp_ignore'
is "$(problems)" "" "set back by hand: no problem"

stop_oobd
done_testing
