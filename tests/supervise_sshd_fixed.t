#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A configured sshd config that sshd refused, fixed in place: the next start
# of sshd asks about it again and takes it, without a reload.
# - on the last-good config: "oobctl restart sshd" takes the fixed file;
# - changed but still refused: the restart keeps the last-good config, with
#   no failed start of sshd in between;
# - fixed while on the last-good config, sshd killed: its automatic restart
#   takes the fixed file too;
# - on the built-in config (refused from the first start): likewise.
# Each time status names the config in use, and a setting only the fixed
# file has (a Banner) is what a real ssh login sees.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
make_nic
make_keys
write_sshd_config
grep -q '^Banner none$' "$T/sshd_config" || bail "the shipped sshd config has no 'Banner none' line"
write_nic_config "$T/oobd.conf"
echo "backoff_max = 0.5" >> "$T/oobd.conf" # [sshd] is the last section
echo "oob banner of the fixed config" > "$T/banner"
cp "$T/sshd_config" "$T/sshd_config.good"

# "STATE CONFIG PATH" of sshd, from oobctl status --json.
sshd_status() {
	"$OOBCTL" status --json | jq -r '.services[] | select(.name == "sshd") | "\(.state) \(.config) \(.config_path)"'
}
sshd_on() { [ "$(sshd_status)" = "$1" ]; } # sshd_on "STATE CONFIG PATH"
# What a login shows before the command's output: the Banner, if any.
login() {
	ip netns exec admin ssh -F /dev/null -i "$T/id_client" \
		-o UserKnownHostsFile="$T/known_hosts" -o StrictHostKeyChecking=accept-new \
		-o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=INFO \
		-o PasswordAuthentication=no -o KbdInteractiveAuthentication=no \
		"root@$OOB4" echo in 2>&1
}
break_config() { cp "$T/sshd_config.good" "$T/sshd_config"; echo "$1 yes" >> "$T/sshd_config"; }
fix_config() {
	cp "$T/sshd_config.good" "$T/sshd_config"
	sed -i "s|^Banner none\$|Banner $T/banner|" "$T/sshd_config"
}
LAST_GOOD="up last-good /run/oobd/sshd_config.last-good"
BUILTIN="up built-in /run/oobd/sshd_config.builtin"
CONFIGURED="up configured $T/sshd_config"

# Checks that sshd runs with the fixed file, as status and a login see it.
# The status must be exactly it, with nothing reported of sshd.
check_fixed() { # check_fixed WHAT
	local out
	wait_until 20 sshd_on "$CONFIGURED"
	ok $? "($1) status: sshd is up with the configured config" || diag "status: $(sshd_status)"
	like "$(ps -o args= -p "$(sshd_pid)")" "-f $T/sshd_config " "($1) the listener runs with the configured file"
	out=$("$OOBCTL" status)
	is "$?" 0 "($1) oobctl status is ok"
	like "$out" "sshd +up .*, configured config $T/sshd_config" "($1) oobctl status names the configured file"
	unlike "$out" "runs with the (last-good|built-in) config" "($1) oobctl status reports no fallback"
	out=$(login)
	like "$out" "oob banner of the fixed config" "($1) a login shows the Banner only the fixed file has"
	like "$out" '^in$' "($1) the admin logs in"
}

# --- on the last-good config ---
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "oobd did not come up"
wait_until 10 test -s /run/oobd/sshd_config.last-good
ok $? "the last-good copy is kept"
unlike "$(login)" "oob banner" "the configured config has no Banner yet"

break_config ThisIsNotAnSshdOption
"$OOBCTL" restart sshd >/dev/null
wait_until 20 sshd_on "$LAST_GOOD"
ok $? "broken config, oobctl restart sshd: sshd is up with the last-good config" || diag "status: $(sshd_status)"

fix_config
mark=$(log_mark)
"$OOBCTL" restart sshd >/dev/null
check_fixed "fixed, oobctl restart sshd"
log_after "$mark" "^<5>the configured sshd config $T/sshd_config changed since it failed; asking sshd -T"
ok $? "the log says the changed file is asked about again"
log_after "$mark" '^<5>starting sshd with the configured config'
ok $? "the log says the configured config is started again"
like "$(cat /run/oobd/sshd_config.last-good)" "^Banner $T/banner\$" "the fixed file became the last-good one"

# --- changed, still refused: the last-good config stays ---
break_config ThisIsNotAnSshdOption
"$OOBCTL" restart sshd >/dev/null
wait_until 20 sshd_on "$LAST_GOOD"
ok $? "broken again, oobctl restart sshd: sshd is up with the last-good config" || diag "status: $(sshd_status)"
break_config ThisIsNotEitherAnSshdOption
mark=$(log_mark)
p=$(sshd_pid)
"$OOBCTL" restart sshd >/dev/null
wait_until 20 eval '[ "$(sshd_pid)" != "$p" ] && sshd_on "$LAST_GOOD"'
ok $? "changed, still refused, oobctl restart sshd: sshd is up with the last-good config again" ||
	diag "status: $(sshd_status)"
log_after "$mark" '^<3>sshd -T rejects the configured sshd config .*ThisIsNotEitherAnSshdOption'
ok $? "the log says sshd -T rejects the changed file, and why"
log_after "$mark" 'exited before it was ready'
ok $(( ! $? )) "no sshd was started with the refused file"
like "$(oob_ssh "$OOB4" echo in 2>&1)" '^in$' "the admin logs in"

# --- fixed, sshd dies: its automatic restart takes the fixed file ---
fix_config
kill -KILL "$(sshd_pid)"
check_fixed "fixed, sshd killed"
stop_oobd

# --- on the built-in config ---
rm -f /run/oobd/sshd_config.last-good
break_config ThisIsNotAnSshdOption
start_oobd "$T/oobd.conf"
wait_until 20 sshd_on "$BUILTIN"
ok $? "broken from the first start: sshd is up with the built-in config" || diag "status: $(sshd_status)"
fix_config
"$OOBCTL" restart sshd >/dev/null
check_fixed "fixed, on the built-in config, oobctl restart sshd"
stop_oobd
done_testing
