#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A sysctl value the kernel takes only the start of ("1 2" for one integer:
# the write returns short) is reported as refused, with a reason of its
# own, on the config's line, and status shows it as not in effect. Each
# reconcile (a repair of drift) writes the sysctls again: the same refusal
# is logged once, and again after a reload.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
OOBCTL=$BUILD/oobctl
path_up '[sysctl]' 'net.ipv4.ip_forward = 1 2' 'net.ipv4.conf.all.log_martians = 1'
line=$(grep -n '^net.ipv4.ip_forward' "$T/oobd.conf" | cut -d: -f1)
check "logged on its line, as refused" -- wait_until 10 grep -q \
	"oobd.conf:$line: sysctl net.ipv4.ip_forward = 1 2 in namespace \"oob\": Invalid argument" "$T/oobd.log"
is "$(ip netns exec oob cat /proc/sys/net/ipv4/conf/all/log_martians)" 1 "the sysctl after it is set"
js=$("$OOBCTL" status --json | jq -r '.sysctls[] | select(.key == "net.ipv4.ip_forward") | "\(.actual) \(.ok)"')
is "$js" "1 false" "status: not in effect"
like "$("$OOBCTL" status --json | jq -r '.problems[]')" "sysctl net.ipv4.ip_forward is 1, configured 1 2" \
	"status: a problem"
refusals() { grep -c "sysctl net.ipv4.ip_forward = 1 2 in namespace \"oob\": Invalid argument" "$T/oobd.log"; }
# drift N: the NIC's address removed by hand, and put back by a reconcile
# (after the sysctls: logged by then).
drift() {
	ip -n oob addr del "$OOB4/24" dev oob0
	check "address put back ($1)" -- wait_until 10 eval "ip -n oob -4 addr show dev oob0 | grep -q '$OOB4/24'"
}
drift 1
drift 2
is "$(refusals)" 1 "refused sysctl logged once over two more reconciles"
m=$(log_mark)
kill -HUP "$OOBD_PID"
check "reloaded" -- wait_until 10 log_after "$m" "reload done"
is "$(refusals)" 2 "logged again after a reload"
drift 3
is "$(refusals)" 2 "not again at the next reconcile"
stop_oobd
done_testing
