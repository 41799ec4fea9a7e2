#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What the fallbacks are for, and what a stop leaves behind:
# - an sshd config that oobd's own reader refuses (an Include loop) does
#   not keep a restarted oobd from starting: the path comes up on the
#   last-good config; one whose Include glob also matches a directory
#   (sshd reads it as empty) runs as it is;
# - a configured host key that sshd refuses (too open, empty) does not fail
#   the built-in config too: it brings a key of its own, and the admin gets
#   in; status tells why (sshd's "no hostkeys available");
# - while sshd runs a fallback, oobctl status (text and JSON) tells why the
#   configured file was refused, as sshd said it with FILE:LINE; once the
#   fixed file runs again (oobctl restart sshd), the reason is gone;
# - stopping or restarting a [service] stops what its program started in
#   the foreground too (a wrapper script's program), not only the program;
# - a service removed by a reload while it waits to be restarted is gone at
#   once (status, restart by name).
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
make_nic
make_keys
write_sshd_config
write_nic_config "$T/oobd.conf"
cp "$T/oobd.conf" "$T/base.conf"
cp "$T/sshd_config" "$T/sshd_config.good"

# --- a config oobd cannot read, after it worked once since boot ---
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "the good config: sshd answers" || bail "oobd did not come up"
wait_until 10 test -s /run/oobd/sshd_config.last-good
ok $? "the last-good copy is kept"
stop_oobd

mkdir -m 0700 "$T/conf.d" "$T/conf.d/old.d"
echo "ClientAliveInterval 20" > "$T/conf.d/10-alive.conf"
chmod 600 "$T/conf.d/10-alive.conf"
sed -i "1i Include $T/conf.d/*" "$T/sshd_config"
mark=$(log_mark)
start_oobd "$T/oobd.conf"
wait_until 20 ssh_banner "$OOB4"
ok $? "(directory) oobd restarted: sshd answers"
wait_until 10 log_after "$mark" '^<6>sshd ready \(pid [0-9]+, configured config'
ok $? "(directory) sshd runs with the configured config: the directory reads as empty, as sshd reads it"
stop_oobd
rmdir "$T/conf.d/old.d"
for broken in loop; do
	echo "Include $T/sshd_config" >> "$T/sshd_config"
	mark=$(log_mark)
	start_oobd "$T/oobd.conf"
	wait_until 20 ssh_banner "$OOB4"
	ok $? "($broken) oobd restarted: sshd answers"
	kill -0 "$OOBD_PID" 2>/dev/null
	ok $? "($broken) oobd runs"
	log_after "$mark" 'warning: sshd config .* \(sshd runs with the last-good or built-in config\)'
	ok $? "($broken) the start-up warns of the config"
	log_after "$mark" '^<3>starting sshd with the last-good config'
	ok $? "($broken) sshd runs with the last-good config"
	like "$(oob_ssh "$OOB4" echo in 2>&1)" '^in$' "($broken) the admin logs in"
	stop_oobd
done
"$OOBD" -t -c "$T/oobd.conf" >/dev/null 2>&1
is "$?" 1 "oobd -t still refuses such a config"
cp "$T/sshd_config.good" "$T/sshd_config"
rm -f /run/oobd/sshd_config.last-good

# --- a host key sshd refuses ---
cp "$T/base.conf" "$T/oobd.conf"
echo "backoff_max = 1" >> "$T/oobd.conf" # [sshd] is the last section
for how in open empty; do
	rm -f "$T/ssh_host_ed25519_key" "$T/ssh_host_ed25519_key.pub" /run/oobd/sshd_config.last-good
	ssh-keygen -q -t ed25519 -N '' -f "$T/ssh_host_ed25519_key"
	if [ "$how" = open ]; then chmod 0644 "$T/ssh_host_ed25519_key"; else : > "$T/ssh_host_ed25519_key"; fi
	mark=$(log_mark)
	start_oobd "$T/oobd.conf"
	wait_until 30 ssh_banner "$OOB4"
	ok $? "($how host key) sshd answers, with the built-in config"
	log_after "$mark" '^<3>starting sshd with the built-in config'
	ok $? "($how host key) the built-in config was started"
	grep -q "^HostKey /run/oobd/ssh_host_ed25519_key$" /run/oobd/sshd_config.builtin
	ok $? "($how host key) the built-in config brings its own key"
	like "$("$OOBCTL" status --json | jq -r '.services[0].fallback_reason')" 'no hostkeys available' \
		"($how host key) status --json tells why: sshd has no host key"
	rm -f "$T/known_hosts"
	like "$(oob_ssh "$OOB4" echo in 2>&1)" '^in$' "($how host key) the admin logs in"
	stop_oobd
done
rm -f "$T/ssh_host_ed25519_key" "$T/ssh_host_ed25519_key.pub" "$T/known_hosts"

# --- why sshd runs a fallback ---
cp "$T/base.conf" "$T/oobd.conf"
echo "backoff_max = 0.5" >> "$T/oobd.conf" # [sshd] is the last section
reason() { "$OOBCTL" status --json | jq -r '.services[0] | "\(.state) \(.config) \(.fallback_reason)"'; }
reason_is() { [ "$(reason)" = "$1" ]; }
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "oobd did not come up"
check "the configured config runs: no fallback reason" -- wait_until 10 reason_is "up configured null"
wait_until 10 test -s /run/oobd/sshd_config.last-good
ok $? "the last-good copy is kept"
echo "NoSuchOption yes" >> "$T/sshd_config"
bad_line=$(wc -l < "$T/sshd_config")
echo "ClientAliveCountMax 3" >> "$T/sshd_config"
why="$T/sshd_config:$bad_line: Bad configuration option: NoSuchOption"
"$OOBCTL" restart sshd >/dev/null
check "broken, oobctl restart sshd: the last-good config runs, status --json tells why" -- \
	wait_until 20 reason_is "up last-good $why"
out=$("$OOBCTL" status)
is "$?" 1 "oobctl status is degraded"
is "$(printf '%s\n' "$out" | grep -F 'sshd runs with')" \
	"  ! sshd runs with the last-good config, not the configured one: $why" \
	"the problem line names the option and the line"
is "$(printf '%s\n' "$out" | grep -A1 '^  sshd ' | tail -n 1 | sed 's/^ *//')" \
	"the configured config was refused: $why" "the services section tells why under sshd"
is "$("$OOBCTL" status --json | jq '[.problems[] | select(test("sshd runs"))] | length')" 1 \
	"status --json: one problem line of the fallback"
cp "$T/sshd_config.good" "$T/sshd_config"
"$OOBCTL" restart sshd >/dev/null
check "fixed, oobctl restart sshd: the configured config runs, no reason" -- \
	wait_until 20 reason_is "up configured null"
out=$("$OOBCTL" status)
is "$?" 0 "oobctl status is ok"
unlike "$(printf '%s\n' "$out" | sed '/^recent warnings and errors$/,$d')" "refused|NoSuchOption" \
	"oobctl status tells of no refusal (but in the recent errors)"
stop_oobd

# --- a service's foreground children go with it ---
printf '#!/bin/sh\nsleep 1001\n' > "$T/wrapper"
chmod 0755 "$T/wrapper"
cp "$T/base.conf" "$T/oobd.conf"
printf '[service wrapper]\nexec = %s\n' "$T/wrapper" >> "$T/oobd.conf"
copies() { pgrep -fxc 'sleep 1001'; }
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "oobd did not come up"
check "one copy of the wrapped program" -- wait_until 10 eval '[ "$(copies)" = 1 ]'
old=$(pgrep -fx 'sleep 1001')
"$OOBCTL" restart wrapper >/dev/null
check "after oobctl restart, the old copy is gone" -- wait_until 10 eval '! kill -0 '"$old"' 2>/dev/null'
check "and one copy runs" -- wait_until 10 eval '[ "$(copies)" = 1 ]'
stop_oobd
check "after oobd stopped, no copy is left" -- wait_until 10 eval '[ "$(copies)" = 0 ]'

# --- a service removed while it waits to be restarted ---
cp "$T/base.conf" "$T/oobd.conf"
printf '[service crasher]\nexec = /bin/sh -c "exit 3"\nbackoff_max = 20\n' >> "$T/oobd.conf"
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "oobd did not come up"
wait_until 10 sshd_ready
backoff() { "$OOBCTL" status --json | jq -e '.services[] | select(.name == "crasher" and .state == "backoff")'; }
check "the crashing service waits to be restarted" -- wait_until 10 backoff
cp "$T/base.conf" "$T/oobd.conf"
"$OOBCTL" reload >/dev/null
out=$("$OOBCTL" status)
is "$?" 0 "removed by a reload: status is ok at once"
unlike "$(printf '%s\n' "$out" | grep '^  crasher ')" "crasher" "the services of status no longer list it"
is "$("$OOBCTL" status --json | jq -r '[.services[].name] | join(" ")')" "sshd" "nor does status --json"
"$OOBCTL" restart crasher >/dev/null 2>&1
is "$?" 3 "oobctl restart of the removed service: no such service"
stop_oobd
done_testing
