#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Requests that arrive while a service is still stopping. A [service] that
# ignores SIGTERM takes its 5 s to be SIGKILLed:
# - after SIGTERM to oobd, "oobctl restart sshd" (or reload, down, up) is
#   refused with "stopping", as SIGHUP is ignored then: nothing may start
#   what the stop is ending. Before, the restart put sshd back in backoff,
#   which oobd never left nor started, and oobd never exited;
# - after "oobctl down", a reload that changes the service's program does
#   not start it when the old one is gone: the path is down by request.
#   Before, it was started into the namespace that was gone, and failed on
#   its backoff schedule for as long as the path stayed down;
# - a reload that removes the service: status is ok at once, and no longer
#   lists it, while it still stops.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
OOBCTL=$BUILD/oobctl
[ -x "$OOBCTL" ] || bail "$OOBCTL not built (run make)"
command -v jq >/dev/null || skip_all "needs jq"
svc_js() { "$OOBCTL" status --json | jq -r ".services[] | select(.name == \"$1\") | $2"; }

# A service that ignores SIGTERM (and so do the sleeps it runs).
printf '#!/bin/sh\ntrap "" TERM\nwhile :; do sleep 1; done\n' > "$T/stubborn"
printf '#!/bin/sh\ntrap "" TERM\nwhile :; do sleep 1; done\n' > "$T/stubborn2"
chmod 0755 "$T/stubborn" "$T/stubborn2"
path_up "[service stubborn]" "exec = $T/stubborn"
check "the service runs" -- wait_until 10 eval '[ "$(svc_js stubborn .state)" = up ]'

# --- a request while oobd stops ---
kill -TERM "$OOBD_PID"
check "oobd is stopping" -- wait_until 5 log_has 'stopping \(signal 15\)'
out=$("$OOBCTL" restart sshd 2>&1); st=$?
is "$st" 1 "oobctl restart sshd while oobd stops: exit status 1"
like "$out" "oobd is stopping" "... and it says why"
out=$("$OOBCTL" reload 2>&1); st=$?
is "$st" 1 "oobctl reload while oobd stops: refused too"
"$OOBCTL" status --json >/dev/null; st=$?
ok $(( st > 1 )) "status still answers (as degraded or ok)"
# oobd exits once the service is SIGKILLed at its 5 s deadline.
check "oobd exits after the service's stop deadline" -- wait_until 15 eval '! kill -0 "$OOBD_PID" 2>/dev/null'
wait "$OOBD_PID" 2>/dev/null
OOBD_PID=
! pgrep -f "^/bin/sh $T/stubborn" >/dev/null && ! pgrep -x sshd >/dev/null
ok $? "nothing of oobd's is left running"

# --- a reload that changes the service while the path is down ---
start_oobd "$T/oobd.conf"
check "oobd up again" -- wait_until 15 ssh_banner "$OOB4"
check "the service runs again" -- wait_until 10 eval '[ "$(svc_js stubborn .state)" = up ]'
"$OOBCTL" down >/dev/null 2>&1
ok $? "oobctl down"
is "$(svc_js stubborn .state)" stopping "the service is still stopping"
sed -i "s|^exec = $T/stubborn\$|exec = $T/stubborn2|" "$T/oobd.conf"
mark=$(log_mark)
"$OOBCTL" reload >/dev/null 2>&1
ok $? "a reload that changes the service's program, while down"
check "the old process is killed at its deadline" -- \
	wait_until 15 eval '! pgrep -f "^/bin/sh $T/stubborn\$" >/dev/null'
sleep_until_settled() { [ "$(svc_js stubborn .state)" != stopping ]; }
wait_until 10 sleep_until_settled
is "$(svc_js stubborn .state)" down "the service stays down with the path"
! pgrep -f "^/bin/sh $T/stubborn2" >/dev/null
ok $? "... its new program is not run"
! log_after "$mark" "starting stubborn"
ok $? "... nor tried"
"$OOBCTL" up >/dev/null 2>&1
ok $? "oobctl up"
check "up again: the service runs its new program" -- wait_until 15 pgrep -f "^/bin/sh $T/stubborn2"
check "... and sshd is up again" -- wait_until 15 sshd_ready

# --- removed by a reload while it takes its time to stop ---
sed -i '/^\[service stubborn\]$/,/^exec = /d' "$T/oobd.conf"
"$OOBCTL" reload >/dev/null 2>&1
ok $? "a reload removes the service"
pgrep -f "^/bin/sh $T/stubborn2" >/dev/null
ok $? "its process still runs (it ignores SIGTERM, and has 5 s)"
out=$("$OOBCTL" status); st=$?
is "$st" 0 "status is ok meanwhile: a removed service is no problem"
unlike "$(printf '%s\n' "$out" | sed '/^recent warnings and errors$/,$d')" "stubborn" \
	"... and is not listed (but in the recent warnings)"
is "$("$OOBCTL" status --json | jq -r '[.services[].name] | join(" ")')" "sshd" "nor in status --json"
unlike "$("$OOBCTL" metrics)" "stubborn" "nor in the metrics"
check "gone at its deadline" -- wait_until 15 eval '! pgrep -f "^/bin/sh $T/stubborn2" >/dev/null'

stop_oobd
done_testing
