# SPDX-License-Identifier: GPL-2.0-or-later
# sshd's program vanishes (a package upgrade half done) and the listener
# dies: every start fails at the exec. Each failure is a death like any
# other, retried on the backoff schedule (0, 0.5, 1, 2, 4 s...), not at
# once; no readiness probe of an sshd that never ran times out, and no sshd
# config is marked failed for it (the program, not the config, is at
# fault). Once the program is back, sshd runs with the configured config.
# This is the case with no copy of a program that answered (a boot: the
# copy is on /run); supervise_program_lastgood.t has the copy run instead.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
[ -x "$OOBCTL" ] || bail "$OOBCTL not built (run make)"

make_nic
make_keys
write_sshd_config
cp /usr/sbin/sshd "$T/sshd-bin"
write_nic_config "$T/oobd.conf"
sed -i "s|^\[sshd\]$|[sshd]\nexec = $T/sshd-bin|" "$T/oobd.conf"

start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "oobd did not come up"
wait_until 10 log_has '^<6>sshd ready \(pid [0-9]+, configured config'
ok $? "sshd is ready with the configured config"

# Past its readiness probe's time limit (5 s after its start): a probe
# deadline left over from this start must not be taken for a later one's.
uptime_ms() { "$OOBCTL" status --json | sed -n 's/.*"name":"sshd",[^}]*"uptime_ms":\([0-9]*\).*/\1/p'; }
up_long() { local u; u=$(uptime_ms); [ -n "$u" ] && [ "$u" -gt 5500 ]; }
wait_until 20 up_long
ok $? "sshd has run for longer than its readiness probe's time limit"
rm -f /run/oobd/sshd.last-good "$T/sshd-bin"
mark=$(log_mark)
kill -KILL "$(sshd_pid)"
wait_until 30 log_after "$mark" '^<3>sshd exited with status 127; restarting in 4\.0 s$'
ok $? "the program gone: sshd's failed starts are retried with a growing delay"
log_after "$mark" "^<3>starting sshd: $T/sshd-bin: No such file or directory\$"
ok $? "the failed exec is logged with its reason"
starts=$(tail -n +"$((mark + 1))" "$T/oobd.log" | grep -c '^<3>starting sshd: ')
is "$starts" 4 "four attempts until the delay reached 4 s (at once, then after 0.5, 1 and 2 s)"
delays=$(tail -n +"$((mark + 1))" "$T/oobd.log" | sed -n 's/^<3>sshd exited with status 127; restarting in \([0-9.]*\) s$/\1/p' | tr '\n' ' ')
is "$delays" "0.5 1.0 2.0 4.0 " "the delays double"
! log_after "$mark" 'showed no SSH banner'
ok $? "no readiness probe timed out for an sshd that never ran"
! log_after "$mark" 'marking it failed|sshd -T rejects|instead of'
ok $? "no sshd config was marked failed, none replaced"
out=$("$OOBCTL" status 2>&1)
like "$out" "sshd is backoff" "oobctl status: sshd waits for its next start"

# The program is back: the next start (at most 4 s away) works.
cp /usr/sbin/sshd "$T/sshd-bin"
wait_until 20 log_after "$mark" '^<6>sshd ready \(pid [0-9]+, configured config'
ok $? "the program back: sshd is ready with the configured config"
wait_until 10 ssh_banner "$OOB4"
ok $? "and answers"
like "$(oob_ssh "$OOB4" echo back 2>&1)" "^back$" "ssh works"

stop_oobd
done_testing
