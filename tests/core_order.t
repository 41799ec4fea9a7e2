#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The order of a bring-up into a namespace just made. The NIC goes up only
# once the firewall is in place, and everything that needs the link (the
# routes) comes after that. An sshd that listens on wildcard addresses only
# starts early, beside the NIC's move: nothing can reach it before the NIC
# is up. One that names an address starts once the address is there. The
# move itself is started first, and runs while the rules load.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
command -v iptables-legacy-restore >/dev/null || skip_all "needs iptables (legacy tools)"

make_nic
make_keys

# line_no PATTERN: the number of the first log line matching PATTERN (ERE).
line_no() { grep -nE -- "$1" "$T/oobd.log" | head -n 1 | cut -d: -f1; }
# before A B: the first line matching A comes before the first matching B.
before() {
	local a b
	a=$(line_no "$1") b=$(line_no "$2")
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]
}

bring_up() { # bring_up CASE: a fresh namespace, oobd up to its banner
	ip netns del oob 2>/dev/null
	ip link show "$NIC" >/dev/null 2>&1 || make_nic
	: > "$T/oobd.log"
	write_nic_config "$T/oobd.conf" "gateway = $ADM4" "[firewall]" \
		"ipv4 = $SRC_DIR/conf/firewall-v4.rules" "ipv6 = $SRC_DIR/conf/firewall-v6.rules"
	OOBD_DEBUG=1 start_oobd "$T/oobd.conf"
	check "$1: oobd comes up" -- wait_until 20 ssh_banner "$OOB4"
	wait_until 10 sshd_ready
}

firewall_first() { # firewall_first CASE
	before 'firewall IPv4: .* applied' 'routes in namespace' &&
		before 'firewall IPv6: .* applied' 'routes in namespace'
	ok $? "$1: both families' rules are in place before the link is up and routed"
}

# 1. The shipped sshd config listens on the wildcard addresses.
write_sshd_config
bring_up "wildcard"
firewall_first "wildcard"
before 'sshd started' 'moved oobnic'
ok $? "wildcard: sshd starts before the NIC is moved in"
# The kernel's move of the NIC (tens of milliseconds, mostly waiting) is
# under way before the rules are committed and sshd starts.
before 'moving oobnic: under way' 'firewall IPv4: .*committed' &&
	before 'moving oobnic: under way' 'sshd started'
ok $? "wildcard: the NIC's move is started before the rules are loaded and sshd starts"
like "$(cat "$T/oobd.log")" 'sshd ready' "wildcard: and its readiness probe gets through"
is "$(grep -c 'sshd started' "$T/oobd.log")" 1 "wildcard: that first sshd is the one that serves"
unlike "$(cat "$T/oobd.log")" 'sshd exited|earlier oobd' "wildcard: nothing stops or restarts it"
stop_oobd

# 2. An sshd bound to the oob address starts once the address is there.
write_sshd_config "ListenAddress $OOB4:22"
ip -n oob link del oob0 2>/dev/null
bring_up "ListenAddress"
firewall_first "ListenAddress"
before 'routes in namespace' 'sshd started'
ok $? "ListenAddress: sshd starts after the link is up and routed"
before 'moving oobnic: under way' 'firewall IPv4: .*committed'
ok $? "ListenAddress: the NIC's move is started before the rules are loaded"
is "$(grep -c 'sshd started' "$T/oobd.log")" 1 "ListenAddress: once"
# The shipped config's wildcards stay beside the address: sshd cannot bind
# 0.0.0.0:22 beside it, and goes on without. oobd's probe tries each
# listening address in turn; before, it tried the wildcard's loopback
# alone, marked sshd failed after 5 s and fell back to the last-good config.
log_has '^<6>sshd ready \(pid [0-9]+, configured config'
ok $? "ListenAddress: sshd, which cannot bind the wildcard too, is ready with the configured config"
stop_oobd

# 3. An adopted namespace (oobd restarted): sshd after the link, as before.
write_sshd_config
: > "$T/oobd.log"
start_oobd "$T/oobd.conf"
check "adopted: oobd comes up" -- wait_until 20 ssh_banner "$OOB4"
like "$(cat "$T/oobd.log")" 'namespace "oob": adopted' "adopted: the namespace is adopted"
unlike "$(cat "$T/oobd.log")" 'moved oobnic' "adopted: the NIC was inside already"
before 'firewall IPv4: .* applied' 'sshd started' && before 'firewall IPv6: .* applied' 'sshd started'
ok $? "adopted: sshd starts after the rules are in place, as the link may be up already"
stop_oobd

done_testing
