#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A sysctl value the kernel takes only the start of ("1 2" for one integer:
# the write returns short) is reported as refused, with a reason of its
# own, on the config's line, and status shows it as not in effect.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
OOBCTL=$BUILD/oobctl
path_up '[sysctl]' 'net.ipv4.ip_forward = 1 2' 'net.ipv4.conf.all.log_martians = 1'
line=$(grep -n '^net.ipv4.ip_forward' "$T/oobd.conf" | cut -d: -f1)
check "logged on its line, as refused" -- wait_until 10 grep -q \
	"oobd.conf:$line: sysctl net.ipv4.ip_forward = 1 2 in namespace \"oob\": Invalid argument" "$T/oobd.log"
is "$(ip netns exec oob cat /proc/sys/net/ipv4/conf/all/log_martians)" 1 "the sysctl after it is set"
js=$("$OOBCTL" status --json | jq -r '.sysctls[] | select(.key == "net.ipv4.ip_forward") | "\(.actual) \(.ok)"')
is "$js" "1 false" "status: not in effect"
done_testing
