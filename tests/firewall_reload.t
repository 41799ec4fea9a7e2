#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Reload (SIGHUP) re-applies the rules files atomically: a changed file takes
# effect; a broken one keeps the rules in place (not the built-in ruleset);
# a multi-table file that fails half-way is rolled back, so the tables it
# did commit are as they were.
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

# 4. Back to the shipped file: port 8080 closes again.
cp "$SRC_DIR/conf/firewall-v4.rules" "$T/fw4.rules"
check "reload with the shipped file" -- reload_and_wait 4
! tcp_greets admin "$OOB4" 8080
ok $? "port 8080 is closed again"
# What the shipped file makes of an empty namespace, for comparison.
want=$(unshare --net bash -c "iptables-legacy-restore < '$SRC_DIR/conf/firewall-v4.rules' && iptables-legacy-save -t filter" |
	ruleset_strip)
is "$(oob_ruleset 4 filter)" "$want" "the shipped ruleset is what the namespace has"
stop_oobd

check_main_ruleset_unchanged
done_testing
