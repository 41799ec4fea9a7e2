#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Reload (SIGHUP) re-applies the rules files atomically: a changed file takes
# effect; a broken one keeps the rules in place (not the built-in ruleset);
# a file of several tables (or of one table given twice) that fails
# half-way is rolled back, so the tables it did commit are as they were; an unchanged file whose rules are intact is
# left alone (counters kept), one whose rules were changed by hand is
# applied again.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
command -v iptables-legacy-restore >/dev/null || skip_all "needs iptables (legacy tools)"

main_ruleset_seed || bail "cannot give the sandbox's main namespace rules of its own"
main_ruleset > "$T/main.before"

cp "$SRC_DIR/conf/firewall-v4.rules" "$T/fw4.rules"
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
ipv4 = $T/fw4.rules
ipv6 = $SRC_DIR/conf/firewall-v6.rules
EOF

start_oobd "$T/oobd.conf"
check "oobd comes up with the shipped rules" -- wait_until 20 ssh_banner "$OOB4"
listen_in oob 8080
check "a listener on port 8080 runs inside the namespace" -- wait_until 10 tcp_greets oob 127.0.0.1 8080
! tcp_greets admin "$OOB4" 8080
ok $? "port 8080 is closed at first"

# reload_and_wait N: SIGHUP, then wait for the Nth "reload done".
reloads_done() { [ "$(grep -c 'reload done' "$T/oobd.log")" -ge "$1" ]; }
reload_and_wait() {
	kill -HUP "$OOBD_PID"
	wait_until 20 reloads_done "$1"
}

# 1. A changed file is applied.
sed 's/^COMMIT$/-A INPUT -p tcp --dport 8080 -j ACCEPT\nCOMMIT/' "$SRC_DIR/conf/firewall-v4.rules" > "$T/fw4.rules"
check "reload with port 8080 opened" -- reload_and_wait 1
check "port 8080 is now reachable over IPv4" -- wait_until 10 tcp_greets admin "$OOB4" 8080
before=$(oob_ruleset 4 filter)

# 2. A broken file keeps the rules in place.
sed -i 's/--dport 53 /--dport53 /' "$T/fw4.rules"
check "reload with a broken file" -- reload_and_wait 2
like "$(cat "$T/oobd.log")" "<3>firewall IPv4: $T/fw4.rules:[0-9]+: .*; keeping the ruleset in place" \
	"the log names the file and line and says the rules stay"
is "$(oob_ruleset 4)" "$before" "the previous IPv4 ruleset is still in place, not the built-in one"
check "port 8080 is still reachable" -- tcp_greets admin "$OOB4" 8080
is "$(oob_ssh "$OOB4" echo in-oob-v4 2>&1)" "in-oob-v4" "ssh over IPv4 still works"

# 3. A file whose first table commits and whose second fails.
{
	printf '*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n'
	printf -- '-A PREROUTING -p tcp --dport 9 -j CT --notrack\nCOMMIT\n'
	printf '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j NOSUCHTARGET\nCOMMIT\n'
} > "$T/fw4.rules"
check "reload with a half-failing two-table file" -- reload_and_wait 3
like "$(cat "$T/oobd.log")" "firewall IPv4: previous ruleset restored" "the log says it rolled back"
like "$(oob_ruleset 4 raw)" "PREROUTING" "the raw table was committed half-way (an empty one remains)"
unlike "$(oob_ruleset 4 raw)" "notrack" "but its rules are undone"
is "$(oob_ruleset 4 filter)" "$before" "the filter table is the previous one"

# 3b. The filter table given twice, its second block failing: restore
# has committed the first by then. Rolled back all the same (the file
# names one table, but commits two).
{
	printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n'
	printf '*filter\n:INPUT DROP [0:0]\n-A INPUT -j NOSUCHTARGET\nCOMMIT\n'
} > "$T/fw4.rules"
check "reload with the filter table twice, its second block failing" -- reload_and_wait 4
is "$(grep -c 'firewall IPv4: previous ruleset restored' "$T/oobd.log")" 2 "the log says it rolled back"
is "$(oob_ruleset 4 filter)" "$before" "the filter table is the previous one, not the first block's (all open)"

# 3c. What restore takes and oobd's check of its result did not: a built-in
# chain's policy left as it is ("-"), a chain renamed with -E.
{
	printf '*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT - [0:0]\n:old - [0:0]\n'
	printf -- '-E old ssh\n-A INPUT -i lo -j ACCEPT\n-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n'
	printf -- '-A INPUT -p tcp --dport 22 -j ssh\n-A ssh -j ACCEPT\nCOMMIT\n'
} > "$T/fw4.rules"
unshare --net iptables-legacy-restore --test < "$T/fw4.rules"
ok $? "iptables-legacy-restore takes the file"
mark=$(log_mark)
check "reload with it" -- reload_and_wait 5
log_after "$mark" "firewall IPv4: $T/fw4.rules applied"
ok $? "the file is applied, not refused"
like "$(oob_ruleset 4 filter)" ":OUTPUT DROP" "OUTPUT's policy is left as it was (DROP, the file's before)"
like "$(oob_ruleset 4 filter)" "-A ssh -j ACCEPT" "the renamed chain is in place"

# 4. Back to the shipped file: port 8080 closes again.
cp "$SRC_DIR/conf/firewall-v4.rules" "$T/fw4.rules"
check "reload with the shipped file" -- reload_and_wait 6
! tcp_greets admin "$OOB4" 8080
ok $? "port 8080 is closed again"
# What the shipped file makes of an empty namespace, for comparison.
want=$(unshare --net bash -c "iptables-legacy-restore < '$SRC_DIR/conf/firewall-v4.rules' && iptables-legacy-save -t filter" |
	ruleset_strip)
is "$(oob_ruleset 4 filter)" "$want" "the shipped ruleset is what the namespace has"

# 5. Nothing changed: the rules stay as they are, counters included (a
# restore would zero them). A ping from the admin side counts on the ICMP
# rule (its first echo request; conntrack takes the others).
icmp_pkts() { ip netns exec oob iptables-legacy -L INPUT -v -x -n | awk '$3 == "ACCEPT" && /icmptype 8/ { print $1; exit }'; }
ip netns exec admin ping -c 3 -i 0.2 -W 1 "$OOB4" >/dev/null
pkts=$(icmp_pkts)
[ "${pkts:-0}" -ge 1 ]
ok $? "the ICMP rule counted the ping ($pkts packets)"
mark=$(log_mark)
check "reload with nothing changed" -- reload_and_wait 7
log_after "$mark" "firewall IPv4: $T/fw4.rules unchanged, and so are the rules in the kernel"
ok $? "the log says the IPv4 rules were left as they are"
log_after "$mark" "firewall IPv6: .* unchanged, and so are the rules in the kernel"
ok $? "and the IPv6 ones"
! log_after "$mark" "firewall IPv.: .* applied"
ok $? "no file was applied again"
[ "$(icmp_pkts)" -ge "${pkts:-1}" ]
ok $? "the counters survive the reload ($(icmp_pkts) packets)"

# 6. The same file, but the rules were changed by hand: the reload puts the
# file's rules back.
ip netns exec oob iptables-legacy -I INPUT -p tcp --dport 8080 -j ACCEPT
check "port 8080 opened by hand" -- wait_until 10 tcp_greets admin "$OOB4" 8080
mark=$(log_mark)
check "reload with the same files" -- reload_and_wait 8
log_after "$mark" "firewall IPv4: $T/fw4.rules applied"
ok $? "the IPv4 file is applied again, the kernel's rules having changed"
log_after "$mark" "firewall IPv6: .* unchanged, and so are the rules in the kernel"
ok $? "the IPv6 rules, untouched, are left as they are"
! tcp_greets admin "$OOB4" 8080
ok $? "port 8080 is closed again"
is "$(oob_ruleset 4 filter)" "$want" "the namespace has the shipped ruleset again"

# 7. oobd commits through libiptc under the xtables lock, as the iptables
# programs do: while another program holds it, the change waits.
sed 's/^COMMIT$/-A INPUT -p tcp --dport 8080 -j ACCEPT\nCOMMIT/' "$SRC_DIR/conf/firewall-v4.rules" > "$T/fw4.rules"
mkfifo "$T/release"
flock /run/xtables.lock cat "$T/release" > /dev/null &
holder=$!
wait_until 5 sh -c '! flock -n /run/xtables.lock true'
ok $? "another program holds the xtables lock"
mark=$(log_mark)
kill -HUP "$OOBD_PID"
! wait_until 1 reloads_done 9
ok $? "the reload waits while the lock is held"
! tcp_greets admin "$OOB4" 8080
ok $? "and port 8080 is not open yet"
echo > "$T/release"
wait "$holder"
check "once the lock is let go, the reload completes" -- wait_until 20 reloads_done 9
log_after "$mark" "firewall IPv4: $T/fw4.rules: [0-9]+ rules committed in-process through libiptc"
ok $? "the file was committed in-process"
check "port 8080 is open" -- wait_until 10 tcp_greets admin "$OOB4" 8080
stop_oobd

check_main_ruleset_unchanged
done_testing
