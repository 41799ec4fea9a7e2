#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The built-in ruleset, for real, in each case that calls for it: rules
# files that do not exist, iptables tools absent (PATH without them, as in
# an initramfs), and no [firewall] section at all. Each time it is exactly
# in place and it works: an outbound connection gets its reply, ssh over
# IPv6 survives flushed neighbour caches (neighbour discovery gets through),
# ping works, and another listener stays unreachable. The main namespace's
# rules never change.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
command -v iptables-legacy-restore >/dev/null || skip_all "needs iptables (legacy tools)"
NOTOOLS_PATH=/usr/bin:/bin
PATH=$NOTOOLS_PATH command -v iptables-legacy-restore >/dev/null &&
	skip_all "iptables-legacy-restore is in $NOTOOLS_PATH here"

main_ruleset_seed || bail "cannot give the sandbox's main namespace rules of its own"
main_ruleset > "$T/main.before"

make_nic
make_keys
write_sshd_config
iface="[interface]
match = mac:$NIC_MAC
rename = oob0
address = $OOB4/24
address = $OOB6/64"
write_config "$T/missing.conf" <<EOF
$iface
[firewall]
ipv4 = $T/missing-v4.rules
ipv6 = $T/missing-v6.rules
EOF
write_config "$T/shipped.conf" <<EOF
$iface
[firewall]
ipv4 = $SRC_DIR/conf/firewall-v4.rules
ipv6 = $SRC_DIR/conf/firewall-v6.rules
EOF
# The shipped files plus a rule beyond what oobd reads itself (iptrestore.c):
# only iptables-legacy-restore can apply them.
for v in 4 6; do
	sed 's/^COMMIT$/-A INPUT -p tcp --dport 2222 -m state --state NEW -j ACCEPT\nCOMMIT/' \
		"$SRC_DIR/conf/firewall-v$v.rules" > "$T/beyond-v$v.rules"
done
write_config "$T/beyond.conf" <<EOF
$iface
[firewall]
ipv4 = $T/beyond-v4.rules
ipv6 = $T/beyond-v6.rules
EOF
write_config "$T/none.conf" <<EOF
$iface
EOF

# Outside the namespace, from the admin workstation's side: something to
# connect out to.
listen_in admin 9000

# open_oob: throw away whatever filter the namespace has (all accepted),
# so that the next oobd has to put its rules in place itself.
open_oob() {
	local t
	for t in iptables-legacy-restore ip6tables-legacy-restore; do
		printf '*filter\n:INPUT ACCEPT\n:FORWARD ACCEPT\n:OUTPUT ACCEPT\nCOMMIT\n' | ip netns exec oob "$t"
	done
}

# fallback_works CASE: the built-in ruleset is in place and does its job.
fallback_works() {
	local what=$1
	is "$(oob_ruleset 4)" "$(fallback_expected 4 22)" "$what: the built-in IPv4 ruleset is in place"
	is "$(oob_ruleset 6)" "$(fallback_expected 6 22)" "$what: the built-in IPv6 ruleset is in place"
	check "$what: an outbound IPv4 connection gets its reply" -- wait_until 10 tcp_greets oob "$ADM4" 9000
	check "$what: an outbound IPv6 connection gets its reply" -- wait_until 10 tcp_greets oob "$ADM6" 9000
	ip -n oob neigh flush all
	ip -n admin neigh flush all
	is "$(oob_ssh "$OOB6" echo in-oob-v6 2>&1)" "in-oob-v6" "$what: ssh over IPv6 works after the neighbour caches are flushed"
	is "$(oob_ssh "$OOB4" echo in-oob-v4 2>&1)" "in-oob-v4" "$what: ssh over IPv4 works"
	check "$what: ping over IPv4 works" -- wait_until 10 ip netns exec admin ping -c 1 -W 1 "$OOB4"
	check "$what: ping over IPv6 works" -- wait_until 10 ip netns exec admin ping -6 -c 1 -W 1 "$OOB6"
	check "$what: the port-8080 listener answers inside" -- wait_until 10 tcp_greets oob 127.0.0.1 8080
	check_unreachable 8080 "$what"
}

# 1. The rules files do not exist.
out=$("$OOBD" -t -c "$T/missing.conf" 2>&1)
is "$?" 1 "missing files: oobd -t rejects the config"
like "$out" "^$T/missing.conf:[0-9]+: key 'ipv4': rules file $T/missing-v4.rules: No such file or directory" \
	"missing files: oobd -t names the config line and the file"
start_oobd "$T/missing.conf"
check "missing files: oobd comes up" -- wait_until 20 ssh_banner "$OOB4"
listen_in oob 8080
like "$(cat "$T/oobd.log")" "<3>firewall IPv4: cannot read $T/missing-v4.rules: No such file or directory; installing the built-in ruleset" \
	"missing files: the log says why, loudly"
like "$(cat "$T/oobd.log")" "<3>firewall IPv6: cannot read $T/missing-v6.rules" "missing files: for IPv6 too"
fallback_works "missing files"
stop_oobd
open_oob

# 2. The files are there, the tools are not, and the files need them.
out=$(PATH=$NOTOOLS_PATH "$OOBD" -t -c "$T/beyond.conf" 2>&1)
ok $? "no tools: oobd -t still accepts the config"
like "$out" "beyond-v4.rules:[0-9]+: warning: not checked: match 'state'; oobd hands such a file to iptables-legacy-restore, which is not in PATH" \
	"no tools: oobd -t says the file cannot be checked here, and why"
: > "$T/oobd.log"
PATH=$NOTOOLS_PATH start_oobd "$T/beyond.conf"
check "no tools: oobd comes up" -- wait_until 20 ssh_banner "$OOB4"
like "$(cat "$T/oobd.log")" "<3>firewall IPv4: iptables-legacy-restore is not in PATH; cannot apply $T/beyond-v4.rules; installing the built-in ruleset" \
	"no tools: the log says why, loudly"
fallback_works "no tools"
stop_oobd
open_oob

# 2b. No tools, and files oobd reads itself (the shipped ones): applied all
# the same, exactly as iptables-legacy-restore would have.
out=$(PATH=$NOTOOLS_PATH "$OOBD" -t -c "$T/shipped.conf" 2>&1)
ok $? "no tools, shipped files: oobd -t accepts the config"
unlike "$out" "warning" "no tools, shipped files: with nothing to warn about"
ip netns add ref
ip netns exec ref iptables-legacy-restore < "$SRC_DIR/conf/firewall-v4.rules"
ip netns exec ref ip6tables-legacy-restore < "$SRC_DIR/conf/firewall-v6.rules"
: > "$T/oobd.log"
PATH=$NOTOOLS_PATH start_oobd "$T/shipped.conf"
check "no tools, shipped files: oobd comes up" -- wait_until 20 ssh_banner "$OOB4"
like "$(cat "$T/oobd.log")" "<6>firewall IPv4: $SRC_DIR/conf/firewall-v4.rules: [0-9]+ rules committed in-process through libiptc" \
	"no tools, shipped files: oobd applied the IPv4 file itself"
like "$(cat "$T/oobd.log")" "<6>firewall IPv6: $SRC_DIR/conf/firewall-v6.rules: [0-9]+ rules committed in-process through libiptc" \
	"no tools, shipped files: and the IPv6 one"
is "$(oob_ruleset 4)" "$(ip netns exec ref iptables-legacy-save | ruleset_strip)" \
	"no tools, shipped files: the IPv4 rules are those iptables-legacy-restore makes of the file"
is "$(oob_ruleset 6)" "$(ip netns exec ref ip6tables-legacy-save | ruleset_strip)" \
	"no tools, shipped files: and the IPv6 ones"
is "$(oob_ssh "$OOB4" echo in-oob-v4 2>&1)" "in-oob-v4" "no tools, shipped files: ssh over IPv4 works"
ip netns del ref
stop_oobd
open_oob

# 2c. No tools, and a reload with a file whose *raw oobd commits and whose
# *filter the kernel refuses: with no restore to take over and nothing to
# roll back with, the rules are no longer the ones in place before, so the
# built-in ruleset goes in, said loudly (not "keeping the ruleset").
cp "$SRC_DIR/conf/firewall-v4.rules" "$T/half-v4.rules"
write_config "$T/half.conf" <<EOF
$iface
[firewall]
ipv4 = $T/half-v4.rules
ipv6 = $SRC_DIR/conf/firewall-v6.rules
EOF
: > "$T/oobd.log"
PATH=$NOTOOLS_PATH start_oobd "$T/half.conf"
check "no tools, half-committed file: oobd comes up" -- wait_until 20 ssh_banner "$OOB4"
printf '%s\n' '*raw' ':PREROUTING ACCEPT [0:0]' '-A PREROUTING -p udp --dport 5353 -j ACCEPT' COMMIT \
	'*filter' ':INPUT DROP [0:0]' '-A INPUT -p udp -j REJECT --reject-with tcp-reset' COMMIT > "$T/half-v4.rules"
kill -HUP "$OOBD_PID"
check "no tools, half-committed file: the reload completes" -- wait_until 20 log_has "reload done"
like "$(cat "$T/oobd.log")" "<3>firewall IPv4: iptables-legacy-restore is not in PATH; cannot apply $T/half-v4.rules; installing the built-in ruleset" \
	"no tools, half-committed file: the built-in ruleset goes in, said loudly"
unlike "$(cat "$T/oobd.log")" "keeping the ruleset in place" "no tools, half-committed file: nothing claims the rules stayed"
is "$(oob_ruleset 4 filter)" "$(fallback_expected 4 22)" "no tools, half-committed file: the built-in IPv4 filter table is in place"
is "$(ip netns exec oob iptables-legacy-save -t raw | grep -c '^-A')" 0 "no tools, half-committed file: and the *raw rule is gone"
stop_oobd
# A table cannot be removed from a namespace: what follows gets a fresh one
# (the NIC handed back, the namespace removed).
"$OOBD" --down -c "$T/half.conf" >> "$T/oobd.log" 2>&1
ok $? "oobd --down hands the NIC back for a fresh namespace"

# 3. No [firewall] section.
: > "$T/oobd.log"
start_oobd "$T/none.conf"
check "no [firewall]: oobd comes up" -- wait_until 20 ssh_banner "$OOB4"
listen_in oob 8080 # the namespace is a new one (2c)
like "$(cat "$T/oobd.log")" "<4>firewall IPv4: no \[firewall\] ipv4 file configured; installing the built-in ruleset" \
	"no [firewall]: the log says so"
fallback_works "no [firewall]"

# A reload with nothing changed leaves the built-in ruleset alone; one
# after a change by hand puts it back.
reloads_done() { [ "$(grep -c 'reload done' "$T/oobd.log")" -ge "$1" ]; }
mark=$(log_mark)
kill -HUP "$OOBD_PID"
check "no [firewall]: a reload" -- wait_until 20 reloads_done 1
log_after "$mark" "firewall IPv4: built-in ruleset in place and unchanged: left as it is"
ok $? "no [firewall]: the reload leaves the IPv4 built-in ruleset as it is"
! log_after "$mark" "installing the built-in ruleset"
ok $? "no [firewall]: and installs nothing again"
ip netns exec oob iptables-legacy -P INPUT ACCEPT
mark=$(log_mark)
kill -HUP "$OOBD_PID"
check "no [firewall]: a reload after a change by hand" -- wait_until 20 reloads_done 2
log_after "$mark" "firewall IPv4: no \[firewall\] ipv4 file configured; installing the built-in ruleset"
ok $? "no [firewall]: the IPv4 built-in ruleset is installed again"
log_after "$mark" "firewall IPv6: built-in ruleset in place and unchanged: left as it is"
ok $? "no [firewall]: the untouched IPv6 one is left as it is"
fallback_works "no [firewall], after the reloads"
stop_oobd

# 4. A namespace left with more chains than a page of them (1,100), the last
# jumping to the first: emptied whole for the built-in ruleset (a chain is
# deleted only once nothing jumps to it any more).
{
	printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n'
	seq -f ':c%04g - [0:0]' 0 1099
	printf '%s\n' '-A c1099 -j c0000' COMMIT
} | ip netns exec oob iptables-legacy-restore
is "$(ip netns exec oob iptables-legacy-save | grep -c '^:c')" 1100 "1,100 chains in the namespace"
: > "$T/oobd.log"
start_oobd "$T/none.conf"
check "1,100 chains: oobd comes up" -- wait_until 20 ssh_banner "$OOB4"
is "$(oob_ruleset 4)" "$(fallback_expected 4 22)" "1,100 chains: the built-in IPv4 ruleset is in place, and nothing else"
stop_oobd

check_main_ruleset_unchanged
done_testing
