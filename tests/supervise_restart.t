# SPDX-License-Identifier: GPL-2.0-or-later
# Supervision: sshd killed twenty times in a row comes back every time; a
# service that crashes at once is retried on the backoff schedule (few
# spawns, little CPU, never given up); a configured sshd config that breaks
# after start falls back to the last good one, and one broken from the very
# first start to the built-in config.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

make_nic
make_keys
write_sshd_config
write_nic_config "$T/oobd.conf"
cp /bin/sleep "$T/napper" # a program of its own, to take away later
# The default cap of sshd's restart delay is 30 s by design; twenty kills
# in a row under it would take minutes. A short cap keeps this test short.
# The crasher keeps its own cap of 4 s: that schedule is what is measured.
# The napper exits after 1.5 s, longer than its backoff_reset: each of its
# deaths is restarted at once.
cat >> "$T/oobd.conf" <<EOF
backoff_max = 0.5

[service napper]
exec = $T/napper 1.5
backoff_reset = 1

[service crasher]
exec = /bin/sh -c 'date +%s.%N >> $T/crasher.spawns; exit 1'
backoff_max = 4
EOF

sshd_pid_new() { local p; p=$(sshd_pid); [ -n "$p" ] && [ "$p" != "$1" ] && kill -0 "$p" 2>/dev/null; }
spawns() { wc -l < "$T/crasher.spawns" 2>/dev/null || echo 0; }
now_s() { date +%s.%N; }
elapsed_since() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { exit !(b - a >= '"$2"') }'; }

t0=$(now_s)
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "oobd did not come up"
like "$(oob_ssh "$OOB4" echo hello 2>&1)" "^hello$" "ssh works before the kills"

# --- sshd SIGKILLed twenty times in a row (meanwhile the crasher crashes) ---
failed_at=
for i in $(seq 1 20); do
	p=$(sshd_pid)
	kill -KILL "$p"
	if ! wait_until 15 sshd_pid_new "$p" || ! wait_until 15 ssh_banner "$OOB4"; then
		failed_at=$i
		break
	fi
done
is "$failed_at" "" "after each of 20 SIGKILLs a new sshd answers with its banner"
like "$(oob_ssh "$OOB4" echo back 2>&1)" "^back$" "ssh login works after the 20th kill"
kills=$(grep -c '^<3>sshd killed by signal 9' "$T/oobd.log")
ok $(( kills >= 20 ? 0 : 1 )) "oobd logged each kill ($kills)"
delays=$(sed -n 's/^<3>sshd killed by signal 9.*restarting in \([0-9.]*\) s$/\1/p' "$T/oobd.log" | sort -u | tr '\n' ' ')
is "$delays" "0.5 " "sshd was restarted at once, then after backoff_max = 0.5 s, never later"
is "$(sshd_listeners | wc -l)" 1 "exactly one sshd listener runs"

# --- the configured sshd config breaks after start: the last good one ---
test -s /run/oobd/sshd_config.last-good
ok $? "a last-good copy of the configured sshd config was kept"
cmp -s /run/oobd/sshd_config.last-good "$T/sshd_config"
ok $? "... identical to the configured one"
mark=$(log_mark)
echo "ThisIsNotAnSshdOption yes" >> "$T/sshd_config"
p=$(sshd_pid)
kill -KILL "$p"
wait_until 15 sshd_pid_new "$p" && wait_until 15 ssh_banner "$OOB4"
ok $? "broken sshd config, sshd killed: a new sshd answers"
like "$(oob_ssh "$OOB4" echo still-in 2>&1)" "^still-in$" "ssh works with the broken sshd config in place"
log_after "$mark" '^<3>sshd -T rejects the configured sshd config .*ThisIsNotAnSshdOption'
ok $? "the log says sshd -t rejected the configured config, and why"
log_after "$mark" '^<3>starting sshd with the last-good config /run/oobd/sshd_config.last-good'
ok $? "the log says the last-good config is used"
wait_until 10 log_after "$mark" '^<6>sshd ready \(pid [0-9]+, last-good config'
ok $? "the log says sshd is ready with the last-good config"
like "$(ps -o args= -p "$(sshd_pid)")" "-f /run/oobd/sshd_config.last-good" "the listener runs with the last-good file"
unlike "$(cat /run/oobd/sshd_config.last-good)" "ThisIsNotAnSshdOption" "the broken config did not become the last-good one"

# Repaired and reloaded: back to the configured config.
sed -i '/ThisIsNotAnSshdOption/d' "$T/sshd_config"
mark=$(log_mark)
p=$(sshd_pid)
kill -HUP "$OOBD_PID"
wait_until 15 sshd_pid_new "$p" && wait_until 15 log_after "$mark" '^<6>sshd ready \(pid [0-9]+, configured config'
ok $? "sshd config repaired, SIGHUP: sshd runs with the configured config again"
like "$(ps -o args= -p "$(sshd_pid)")" "-f $T/sshd_config " "the listener runs with the configured file"
like "$(oob_ssh "$OOB4" echo repaired 2>&1)" "^repaired$" "ssh works"

# --- the crasher, over (at least) the first 20 s ---
wait_until 40 elapsed_since "$t0" 21
first=$(head -n 1 "$T/crasher.spawns")
in20=$(awk -v f="$first" '$1 - f < 20' "$T/crasher.spawns" | wc -l)
# Start, at once, then 0.5 1 2 4 4 4 4 s later: 9 spawns in 20 s. Without
# backoff it would be thousands.
diag "crasher spawns in its first 20 s: $in20 (total $(spawns))"
ok $(( in20 >= 2 && in20 <= 10 ? 0 : 1 )) "the crasher was spawned few times in 20 s ($in20, the schedule allows 9)"
cdelays=$(sed -n 's/^<3>crasher exited with status 1; restarting in \([0-9.]*\) s$/\1/p' "$T/oobd.log" | tr '\n' ' ')
like "$cdelays" "^0.5 1.0 2.0 4.0 4.0 " "its restart delays double from 0.5 s up to backoff_max = 4 s"
unlike "$cdelays" "(^| )([5-9]|[1-9][0-9]+)\.[0-9]" "... and never exceed the cap"
log_has '^<3>crasher exited with status 1; restarting$'
ok $? "its first death was restarted at once"
hz=$(getconf CLK_TCK)
ticks=$(cpu_ticks "$OOBD_PID")
wall=$(awk -v a="$t0" -v b="$(now_s)" 'BEGIN { printf "%d", b - a }')
diag "oobd used $ticks ticks ($hz/s) of CPU in ${wall} s"
# A crash loop busy in oobd would burn most of a core; the bound is loose.
ok $(( ticks < 3 * hz ? 0 : 1 )) "oobd's own CPU time stayed small ($ticks ticks in ${wall} s)"
naps=$(grep -c '^<3>napper exited with status 0; restarting$' "$T/oobd.log")
ok $(( naps >= 3 ? 0 : 1 )) "a service that stayed up longer than backoff_reset is restarted at once ($naps times)"
unlike "$(grep '^<3>napper' "$T/oobd.log")" "restarting in" "... every time"
n=$(spawns)
spawns_grew() { [ "$(spawns)" -gt "$n" ]; }
wait_until 15 spawns_grew
ok $? "the crasher is still being retried (spawns went past $n)"

# Removed from the config while it waits for its next restart: it stays
# down. (Its next start would be due within backoff_max = 4 s.)
mark=$(log_mark)
wait_until 15 log_after "$mark" '^<3>crasher exited with status 1; restarting in 4.0 s$'
ok $? "the crasher waits for its next restart"
sed -i '/^\[service crasher\]/,$d' "$T/oobd.conf"
kill -HUP "$OOBD_PID"
wait_until 10 log_after "$mark" '^<5>reload done'
ok $? "a reload removes the crasher from the config"
log_after "$mark" '^<5>service crasher removed from the config'
ok $? "the log says so"
n=$(spawns)
t1=$(now_s)
wait_until 15 elapsed_since "$t1" 6
is "$(spawns)" "$n" "the removed crasher was not started again in the 6 s after the reload"

# The napper's program vanishes while it runs: its next start fails at
# the exec, which is logged with its reason and counts as a death.
mark=$(log_mark)
rm -f "$T/napper"
wait_until 10 log_after "$mark" "^<3>starting napper: $T/napper: No such file or directory\$"
ok $? "a program that vanished: the failed exec is logged with its reason"
wait_until 10 log_after "$mark" '^<3>napper exited with status 127; restarting in [0-9.]+ s$'
ok $? "... and counts as a death, retried with backoff"
cp /bin/sleep "$T/napper"

stop_oobd
is "$(sshd_listeners | wc -l)" 0 "oobd stopped: no listener left"

# --- broken from the very first start, no last-good: the built-in config ---
rm -f /run/oobd/sshd_config.last-good
echo "ThisIsNotAnSshdOption yes" >> "$T/sshd_config"
mark=$(log_mark)
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "broken sshd config from the start: sshd answers"
like "$(oob_ssh "$OOB4" echo builtin-in 2>&1)" "^builtin-in$" "ssh works with the built-in config (same key)"
log_after "$mark" '^<3>sshd -T rejects the configured sshd config'
ok $? "the log says sshd -t rejected the configured config"
log_after "$mark" '^<3>starting sshd with the built-in config /run/oobd/sshd_config.builtin'
ok $? "the log says the built-in config is used"
wait_until 10 log_after "$mark" '^<6>sshd ready \(pid [0-9]+, built-in config'
ok $? "the log says sshd is ready with the built-in config"
like "$(ps -o args= -p "$(sshd_pid)")" "-f /run/oobd/sshd_config.builtin" "the listener runs with the built-in file"
builtin=$(cat /run/oobd/sshd_config.builtin 2>&1)
like "$builtin" "AuthorizedKeysFile $T/authorized_keys /etc/oobd/authorized_keys" \
	"the built-in config takes the configured authorized keys and /etc/oobd/authorized_keys"
like "$builtin" "PasswordAuthentication no" "the built-in config is key-only"
fwd=$(/usr/sbin/sshd -T -f /run/oobd/sshd_config.builtin 2>&1 | grep -E '^(allow(tcp|streamlocal|agent)forwarding|x11forwarding|permittunnel|disableforwarding) ' | sort | tr '\n' ' ')
is "$fwd" "allowagentforwarding no allowstreamlocalforwarding no allowtcpforwarding no disableforwarding yes permittunnel no x11forwarding no " \
	"sshd -T: the built-in config forwards nothing (no TCP, agent, X11, Unix socket or tunnel)"
test -e /run/oobd/sshd_config.last-good
ok $(( ! $? )) "no last-good copy was made of a config that never worked"

stop_oobd
done_testing
