#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The built-in ruleset follows the sshd config's port without a reload.
# - Both rules files refused (a syntax error): the built-in ruleset lets in
#   port 22, where sshd listens. The admin edits the sshd config to Port 2222
#   and runs "oobctl restart sshd": sshd listens on 2222, the built-in
#   ruleset lets it in (a real ssh login over IPv4 and IPv6, and oobctl
#   status shows the rule); another restart with nothing changed leaves the
#   rules alone.
# - That config became the last-good one: the configured one broken and on
#   yet another port, the restart falls back to the last-good config on
#   2222, which stays reachable.
# - The IPv4 file in force, the IPv6 one refused: the same edit brings only
#   the IPv6 built-in ruleset up to date; the IPv4 rules are the admin's and
#   are not touched.
# - No [firewall] section (the built-in ruleset by design): likewise.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
command -v jq >/dev/null || skip_all "needs jq"

OOBCTL=$BUILD/oobctl
make_nic
make_keys
write_sshd_config
grep -q '^Port 22$' "$T/sshd_config" || bail "the shipped sshd config has no 'Port 22' line"
cp "$T/sshd_config" "$T/sshd_config.22"
for v in 4 6; do
	printf '*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport\nCOMMIT\n' > "$T/broken-v$v.rules"
done
iface="[interface]
match = mac:$NIC_MAC
rename = oob0
address = $OOB4/24
address = $OOB6/64 nodad"
write_config "$T/refused.conf" <<EOF
$iface
[firewall]
ipv4 = $T/broken-v4.rules
ipv6 = $T/broken-v6.rules
EOF
write_config "$T/none.conf" <<EOF
$iface
EOF
write_config "$T/mixed.conf" <<EOF
$iface
[firewall]
ipv4 = $SRC_DIR/conf/firewall-v4.rules
ipv6 = $T/broken-v6.rules
EOF

# banner_inside PORT: sshd's banner through loopback inside the namespace
# (what the firewall lets through whatever its rules for the NIC).
banner_inside() { banner_from oob 127.0.0.1 "$1"; }
# fw_status 4|6: "SOURCE RULE..." of the family's INPUT rules, from oobctl status.
fw_status() {
	"$OOBCTL" status --json | jq -r ".firewall.ipv$1 | \"\(.source) \([.input[].rule] | join(\" | \"))\""
}
sshd_status() {
	"$OOBCTL" status --json | jq -r '.services[] | select(.name == "sshd") | "\(.state) \(.config)"'
}
set_port() { sed "s/^Port 22\$/Port $1/" "$T/sshd_config.22" > "$T/sshd_config"; chmod 600 "$T/sshd_config"; }

# --- both files refused ---
start_oobd "$T/refused.conf"
wait_until 15 ssh_banner "$OOB4" 22
ok $? "sshd answers on port 22" || bail "oobd did not come up"
is "$(oob_ruleset 4 filter)" "$(fallback_expected 4 22)" "the built-in IPv4 ruleset lets in port 22"
is "$(oob_ruleset 6 filter)" "$(fallback_expected 6 22)" "the built-in IPv6 ruleset lets in port 22"
wait_until 10 grep -qx 'Port 22' /run/oobd/sshd_config.last-good
ok $? "the config on port 22 is the last-good one"

set_port 2222
mark=$(log_mark)
"$OOBCTL" restart sshd >/dev/null
wait_until 15 banner_inside 2222
ok $? "Port 2222, oobctl restart sshd: sshd listens on 2222" || bail "sshd does not listen on 2222"
wait_until 10 ssh_banner "$OOB4" 2222
ok $? "the admin reaches sshd on port 2222 over IPv4"
wait_until 10 ssh_banner "$OOB6" 2222
ok $? "the admin reaches sshd on port 2222 over IPv6"
like "$(oob_ssh "$OOB4" -p 2222 echo in 2>&1)" '^in$' "the admin logs in on port 2222"
is "$(oob_ruleset 4 filter)" "$(fallback_expected 4 22 2222)" "the built-in IPv4 ruleset lets in 22 and 2222"
is "$(oob_ruleset 6 filter)" "$(fallback_expected 6 22 2222)" "the built-in IPv6 ruleset lets in 22 and 2222"
like "$(fw_status 4)" '^built-in .*--dport 22 \| -p tcp -m tcp --dport 2222$' "oobctl status: the IPv4 built-in ruleset with 2222"
like "$(fw_status 6)" '^built-in .*--dport 22 \| -p tcp -m tcp --dport 2222$' "oobctl status: the IPv6 built-in ruleset with 2222"
like "$("$OOBCTL" status)" 'IPv4  built-in ruleset active since .*broken-v4.rules' \
	"oobctl status: the refused file is still why the built-in ruleset is active"
log_after "$mark" "^<5>firewall: the built-in ruleset does not let in port\\(s\\) 2222 of the sshd configs; updating it"
ok $? "the log says why the built-in ruleset is brought up to date"

wait_until 10 grep -qx 'Port 2222' /run/oobd/sshd_config.last-good
ok $? "the config on port 2222 became the last-good one"
mark=$(log_mark)
p=$(sshd_pid)
"$OOBCTL" restart sshd >/dev/null
wait_until 15 eval '[ "$(sshd_pid)" != "$p" ] && ssh_banner "$OOB4" 2222'
ok $? "nothing changed, oobctl restart sshd: sshd answers on 2222 again"
log_after "$mark" 'firewall|built-in ruleset'
ok $(( ! $? )) "and the firewall is left alone"

# The configured config broken, on port 3333: sshd falls back to the
# last-good config, on 2222.
set_port 3333
echo "ThisIsNotAnSshdOption yes" >> "$T/sshd_config"
"$OOBCTL" restart sshd >/dev/null
wait_until 20 eval '[ "$(sshd_status)" = "up last-good" ]'
ok $? "broken on port 3333, oobctl restart sshd: sshd is up with the last-good config" ||
	diag "status: $(sshd_status)"
wait_until 10 ssh_banner "$OOB4" 2222
ok $? "the admin reaches the last-good sshd on port 2222"
like "$(oob_ssh "$OOB4" -p 2222 echo in 2>&1)" '^in$' "the admin logs in on port 2222"
like "$(oob_ruleset 4 filter)" 'dport 2222 -j ACCEPT' "the built-in IPv4 ruleset lets in 2222"
stop_oobd

# --- the IPv4 file in force, the IPv6 one refused ---
rm -f /run/oobd/sshd_config.last-good
set_port 22
start_oobd "$T/mixed.conf"
wait_until 15 ssh_banner "$OOB4" 22
ok $? "mixed: sshd answers on port 22" || bail "oobd did not come up"
like "$(fw_status 4)" '^file ' "mixed: the IPv4 file is in force"
is "$(oob_ruleset 6 filter)" "$(fallback_expected 6 22)" "mixed: the built-in IPv6 ruleset lets in port 22"
wait_until 10 grep -qx 'Port 22' /run/oobd/sshd_config.last-good
v4_before=$(oob_ruleset 4)
set_port 2222
mark=$(log_mark)
"$OOBCTL" restart sshd >/dev/null
wait_until 15 banner_inside 2222
ok $? "mixed, Port 2222, oobctl restart sshd: sshd listens on 2222" || bail "sshd does not listen on 2222"
wait_until 10 ssh_banner "$OOB6" 2222
ok $? "mixed: the admin reaches sshd on port 2222 over IPv6"
is "$(oob_ruleset 6 filter)" "$(fallback_expected 6 22 2222)" "mixed: the built-in IPv6 ruleset lets in 22 and 2222"
! ssh_banner "$OOB4" 2222
ok $? "mixed: port 2222 stays shut over IPv4, as the admin's file says"
is "$(oob_ruleset 4)" "$v4_before" "mixed: the IPv4 rules are as the file has them"
log_after "$mark" 'firewall IPv4'
ok $(( ! $? )) "mixed: nothing is done to the IPv4 firewall"
stop_oobd

# --- no [firewall] section ---
rm -f /run/oobd/sshd_config.last-good
set_port 22
start_oobd "$T/none.conf"
wait_until 15 ssh_banner "$OOB4" 22
ok $? "no [firewall]: sshd answers on port 22" || bail "oobd did not come up"
is "$(oob_ruleset 4 filter)" "$(fallback_expected 4 22)" "no [firewall]: the built-in IPv4 ruleset lets in port 22"
set_port 2200
"$OOBCTL" restart sshd >/dev/null
wait_until 15 banner_inside 2200
ok $? "no [firewall], Port 2200, oobctl restart sshd: sshd listens on 2200" || bail "sshd does not listen on 2200"
wait_until 10 ssh_banner "$OOB4" 2200
ok $? "no [firewall]: the admin reaches sshd on port 2200 over IPv4"
wait_until 10 ssh_banner "$OOB6" 2200
ok $? "no [firewall]: the admin reaches sshd on port 2200 over IPv6"
is "$(oob_ruleset 4 filter)" "$(fallback_expected 4 22 2200)" "no [firewall]: the built-in IPv4 ruleset lets in 22 and 2200"
stop_oobd
done_testing
