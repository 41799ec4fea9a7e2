# SPDX-License-Identifier: GPL-2.0-or-later
# "oobctl restart NAME" again while NAME is still stopping from the first
# one: the old process is not forgotten. No second instance starts beside
# it; the SIGKILL that follows a stop by 5 s stays due (a service that
# ignores SIGTERM is killed then, not at once and not never); the new
# instance starts once the old one is reaped. The same for sshd, whose
# stop is not cut short by a SIGKILL at once.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
[ -x "$OOBCTL" ] || bail "$OOBCTL not built (run make)"

make_nic
make_keys
write_sshd_config
printf '#!/bin/sh\ntrap "" TERM\nwhile :; do sleep 0.2; done\n' > "$T/stubborn"
chmod 755 "$T/stubborn"
write_nic_config "$T/oobd.conf"
printf '[service stubborn]\nexec = %s\n' "$T/stubborn" >> "$T/oobd.conf"

instances() { pgrep -fc "^/bin/sh $T/stubborn\$"; }
svc_pid() { "$OOBCTL" status --json | sed -n 's/.*"name":"'"$1"'","state":"[a-z]*","pid":\([0-9]*\).*/\1/p'; }

start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "oobd did not come up"
wait_until 10 log_has '^<6>stubborn started'
ok $? "the service runs"
old=$(svc_pid stubborn)
ok $(( old > 0 ? 0 : 1 )) "its pid is known ($old)"

# --- a service that ignores SIGTERM, restarted twice in a row ---
mark=$(log_mark)
"$OOBCTL" restart stubborn >/dev/null
ok $? "first restart"
"$OOBCTL" restart stubborn >/dev/null
ok $? "second restart, while it is still stopping"
"$OOBCTL" status >/dev/null # a round trip through the event loop: anything due at once has happened
is "$(instances)" 1 "no second instance beside the one that is stopping"
like "$("$OOBCTL" status --json)" "\"name\":\"stubborn\",\"state\":\"stopping\",\"pid\":$old," "status: the old one is stopping"
wait_until 15 log_after "$mark" "^<4>stubborn \\(pid $old\\) did not stop in time; killing it\$"
ok $? "it is killed when its stop times out"
wait_until 10 log_after "$mark" '^<6>stubborn started'
ok $? "then started again"
new=$(svc_pid stubborn)
ok $(( new > 0 && new != old ? 0 : 1 )) "a new pid ($new)"
is "$(instances)" 1 "exactly one instance runs"
kill -0 "$old" 2>/dev/null
ok $(( ! $? )) "the old one is gone"

# --- sshd, held stopped so that its SIGTERM waits ---
old=$(sshd_pid)
mark=$(log_mark)
kill -STOP "$old"
"$OOBCTL" restart sshd >/dev/null
ok $? "restart sshd"
"$OOBCTL" restart sshd >/dev/null
ok $? "restart sshd again, while it is still stopping"
"$OOBCTL" status >/dev/null
! log_after "$mark" 'sshd .*did not stop in time'
ok $? "the second restart did not cut the stop short with a SIGKILL"
is "$(sshd_listeners | wc -l)" 1 "no second listener beside the one that is stopping"
kill -CONT "$old"
wait_until 15 log_after "$mark" '^<6>sshd stopped \(exited with status 0\)'
ok $? "the old sshd ends on its SIGTERM"
wait_until 15 log_after "$mark" '^<6>sshd ready \(pid [0-9]+, configured config'
ok $? "a new sshd is ready"
isnt_old() { p=$(sshd_pid); [ -n "$p" ] && [ "$p" != "$old" ]; }
wait_until 10 isnt_old
ok $? "with a new pid"
is "$(sshd_listeners | wc -l)" 1 "exactly one listener"
wait_until 10 ssh_banner "$OOB4"
ok $? "it answers"

# Everything ends with oobd: nothing was left unsupervised.
stop_oobd
gone() { [ "$(instances)" = 0 ] && [ "$(sshd_listeners | wc -l)" = 0 ]; }
wait_until 15 gone
ok $? "oobd stopped: no instance of the service, no listener left"
done_testing
