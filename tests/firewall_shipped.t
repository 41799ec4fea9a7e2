#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The shipped rulesets (conf/firewall-v{4,6}.rules), for real: ssh and ping
# in over IPv4 and IPv6, another listener in the namespace unreachable; the
# rules are committed before the NIC is set up (strace: they load while the
# kernel moves the NIC in, which arrives down); the main namespace's rules
# stay byte for byte what they were.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
command -v strace >/dev/null || skip_all "needs strace"
command -v iptables-legacy-restore >/dev/null || skip_all "needs iptables (legacy tools)"

main_ruleset_seed || bail "cannot give the sandbox's main namespace rules of its own"
main_ruleset > "$T/main.before"

make_nic
make_keys
write_sshd_config
write_config "$T/oobd.conf" <<EOF
[interface]
match = mac:$NIC_MAC
rename = oob0
address = $OOB4/24
address = $OOB6/64
[firewall]
ipv4 = $SRC_DIR/conf/firewall-v4.rules
ipv6 = $SRC_DIR/conf/firewall-v6.rules
EOF

out=$("$OOBD" -t -c "$T/oobd.conf" 2>&1)
ok $? "oobd -t accepts the shipped rulesets"
like "$out" "configuration is valid" "oobd -t says so"

# Every setsockopt and netlink request of oobd and its children, one file
# per process (the restores run side by side: in one file their lines would
# be split into "unfinished" and "resumed" halves), each stamped with the
# time it was made and how long it took.
# (LeakSanitizer cannot work under ptrace: off here in "make check-asan".)
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	strace -ff -ttt -T -qq -e trace=setsockopt,sendto,sendmsg -o "$T/strace.txt" \
	"$OOBD" -c "$T/oobd.conf" >>"$T/oobd.log" 2>&1 &
STRACE_PID=$!
wait_until 30 ssh_banner "$OOB4"
ok $? "sshd answers on $OOB4 (oobd under strace)"

# The NIC keeps its ifindex through the move. strace decodes rtnetlink only
# on sockets of its own namespace: the request that sets the NIC up, made on
# a socket inside oob, shows as raw bytes (struct ifinfomsg: index, flags
# IFF_UP, change IFF_UP), so look for either form.
ifindex=$(ip -n oob -o link show oob0 | cut -d: -f1)
le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
raw_up="\"\\x00\\x00\\x00\\x00$(le32 "$ifindex")$(le32 1)$(le32 1)\""
# stamp [end]: of the first call among the lines on stdin, when it was made
# (or, with "end", when it returned).
stamp() { awk -v end="${1:-}" '{ t = $1; if (end != "" && match($0, /<[0-9.]+>$/)) t += substr($0, RSTART + 1, RLENGTH - 2)
	printf "%.6f\n", t }' | sort -n | head -n 1; }
calls() { cat "$T"/strace.txt.*; }
commit4=$(calls | grep -E 'IPT_SO_SET_REPLACE.* = 0 <' | stamp end)
commit6=$(calls | grep -E 'IP6T_SO_SET_REPLACE.* = 0 <' | stamp end)
move=$(calls | grep -E 'RTM_NEWLINK.*IFLA_NET_NS_FD' | stamp end)
up=$( { calls | grep -F -- "$raw_up" | grep -E 'nlmsg_type=0x10 ';
	calls | grep -- "RTM_NEWLINK.*ifi_index=$ifindex, ifi_flags=IFF_UP, ifi_change=0x1"; } | stamp)
diag "strace times: IPv4 commit done ${commit4:-none}, IPv6 commit done ${commit6:-none}," \
	"NIC (ifindex $ifindex) moved ${move:-none}, set up ${up:-none}"
before() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
before "$commit4" "$up"
ok $? "the IPv4 ruleset is committed before the NIC is set up"
before "$commit6" "$up"
ok $? "the IPv6 ruleset is committed before the NIC is set up"
before "$move" "$up"
ok $? "the NIC is set up only in the namespace, after its move"

# The rest runs on an untraced oobd, which adopts the namespace and the NIC.
kill -TERM "$(cat /run/oobd/oobd.pid)"
exited() { ! grep -q '^State:[[:space:]]*[RSDT]' "/proc/$1/status" 2>/dev/null; } # gone, or a zombie
wait_until 20 exited "$STRACE_PID" || kill -KILL "$STRACE_PID"
wait "$STRACE_PID"
start_oobd "$T/oobd.conf"
check "oobd restarts without strace" -- wait_until 20 ssh_banner "$OOB4"

like "$(oob_ruleset 4)" ':OUTPUT DROP' "the IPv4 file is in place (not the built-in ruleset)"
like "$(oob_ruleset 6)" 'icmpv6-type 135 -m hl --hl-eq 255 -j ACCEPT' "the IPv6 file is in place"
like "$(cat "$T/oobd.log")" "firewall IPv4: $SRC_DIR/conf/firewall-v4.rules applied" "the log names the IPv4 file"
like "$(cat "$T/oobd.log")" "firewall IPv6: $SRC_DIR/conf/firewall-v6.rules applied" "the log names the IPv6 file"

is "$(oob_ssh "$OOB4" echo in-oob-v4 2>&1)" "in-oob-v4" "ssh over IPv4 works"
is "$(oob_ssh "$OOB6" echo in-oob-v6 2>&1)" "in-oob-v6" "ssh over IPv6 works"
check "ping over IPv4 works" -- wait_until 10 ip netns exec admin ping -c 1 -W 1 "$OOB4"
check "ping over IPv6 works" -- wait_until 10 ip netns exec admin ping -6 -c 1 -W 1 "$OOB6"

listen_in oob 8080
check "a listener on port 8080 runs inside the namespace" -- wait_until 10 tcp_greets oob 127.0.0.1 8080
check "it answers on the NIC's address from inside" -- tcp_greets oob "$OOB4" 8080
check_unreachable 8080

check_main_ruleset_unchanged

stop_oobd
done_testing
