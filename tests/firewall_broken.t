#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A syntactically broken IPv4 rules file: oobd -t names its file and line;
# oobd still comes up, with the built-in ruleset for IPv4 (exactly, as
# iptables-legacy-save shows it inside the namespace) and the good IPv6 file;
# ssh works over both families, another listener stays unreachable, and the
# main namespace's rules are unchanged.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
command -v iptables-legacy-restore >/dev/null || skip_all "needs iptables (legacy tools)"

main_ruleset_seed || bail "cannot give the sandbox's main namespace rules of its own"
main_ruleset > "$T/main.before"

# The shipped file with one typo.
sed '0,/^-A INPUT -p tcp --dport 22 /s//-A INPUT -p tcp --dprot 22 /' "$SRC_DIR/conf/firewall-v4.rules" > "$T/fw4.rules"
bad=$(grep -n -- '--dprot 22' "$T/fw4.rules" | cut -d: -f1)
[ -n "$bad" ] || bail "could not break the rules file"

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

out=$("$OOBD" -t -c "$T/oobd.conf" 2>&1)
st=$?
is "$st" 1 "oobd -t rejects the config"
like "$out" "^$T/fw4.rules:$bad: unknown option \"--dprot\"" "oobd -t names the file and line ($bad)"
unlike "$out" "firewall-v6.rules" "and has nothing against the IPv6 file"

# oobd -t dry-runs restore in a scratch namespace: a table the main namespace
# does not have (raw) must not appear there (checked at the end).
{ printf '*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p udp --dport 9 -j CT --notrack\nCOMMIT\n'
  cat "$SRC_DIR/conf/firewall-v4.rules"; } > "$T/raw4.rules"
sed "s|^ipv4 = .*|ipv4 = $T/raw4.rules|" "$T/oobd.conf" > "$T/raw.conf"
check "oobd -t accepts a file with a raw table" -- "$OOBD" -t -c "$T/raw.conf"

start_oobd "$T/oobd.conf"
check "oobd comes up anyway: sshd answers over IPv4" -- wait_until 20 ssh_banner "$OOB4"
log=$(cat "$T/oobd.log")
like "$log" "<3>firewall IPv4: $T/fw4.rules:$bad: unknown option \"--dprot\"; installing the built-in ruleset" \
	"the log names the file and line, loudly, and says the built-in ruleset is used"
like "$log" "firewall IPv6: $SRC_DIR/conf/firewall-v6.rules applied" "the IPv6 file is applied"

is "$(oob_ruleset 4)" "$(fallback_expected 4 22)" "iptables-legacy-save in the namespace shows the built-in ruleset"
like "$(oob_ruleset 6)" ':OUTPUT DROP' "ip6tables-legacy-save shows the IPv6 file"

is "$(oob_ssh "$OOB4" echo in-oob-v4 2>&1)" "in-oob-v4" "ssh over IPv4 works"
is "$(oob_ssh "$OOB6" echo in-oob-v6 2>&1)" "in-oob-v6" "ssh over IPv6 works"

listen_in oob 8080
check "a listener on port 8080 runs inside the namespace" -- wait_until 10 tcp_greets oob 127.0.0.1 8080
check_unreachable 8080

check_main_ruleset_unchanged

stop_oobd
done_testing
