# SPDX-License-Identifier: GPL-2.0-or-later
# A [service] whose program daemonizes (forks, leaves its session, the
# parent exits 0) breaks the rule that services stay in the foreground.
# oobd sees an exit and restarts it; each copy left running would be one
# more outside its supervision. oobd stops what the program left running,
# says so once, and status reports it until the service runs in the
# foreground. A program that stays in the foreground but started something
# in a session of its own loses that too when it is stopped; a program
# killed from outside loses the child it left, with a warning only.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
cp /bin/sleep "$T/stray"   # the daemon's copy: a name of its own to count
cp /bin/sleep "$T/helper"  # started in a session of its own by keeper
cat > "$T/daemonize" <<EOF
#!/bin/sh
# The classic daemon: the copy leaves the session, the parent exits 0.
(setsid $T/stray 100000 </dev/null >/dev/null 2>&1 &)
exit 0
EOF
cat > "$T/keeper" <<EOF
#!/bin/sh
# In the foreground, but with a helper in a session of its own.
setsid $T/helper 100000 </dev/null >/dev/null 2>&1 &
exec $T/stray 200000
EOF
chmod 0755 "$T/daemonize" "$T/keeper"
path_up
cat >> "$T/oobd.conf" <<EOF

[service forker]
exec = $T/daemonize
backoff_max = 1
EOF

# running NAME [ARG]: pids of live (not zombie) processes named NAME
# (whose first argument is ARG, when given).
running() {
	local p
	for p in $(pgrep -x "$1"); do
		[ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" = Z ] && continue
		[ -n "${2:-}" ] && ! tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q " $2 " && continue
		echo "$p"
	done
}
count() { running "$@" | wc -l; }
exits() { grep -c '^<3>forker exited with status 0; restarting' "$T/oobd.log"; }

mark=$(log_mark)
"$OOBCTL" reload >/dev/null
ok $? "a reload adds the daemonizing service"
wait_until 30 eval '[ "$(exits)" -ge 4 ]'
ok $? "its program exited, and was restarted, four times ($(exits))"
n=$(count stray)
ok $(( n <= 1 ? 0 : 1 )) "at most one copy runs (the latest start's), not one per start ($n)"
like "$(grep '^<3>forker: ' "$T/oobd.log")" \
	'^<3>forker: its program daemonized \(pid [0-9]+ left running\); services must run in the foreground$' \
	"the log says the program daemonized, and that services must run in the foreground"
is "$(grep -c '^<3>forker: its program daemonized' "$T/oobd.log")" 1 "... once, not at each restart"
st=$("$OOBCTL" status 2>&1)
like "$st" '! service forker daemonizes \(its program exited and left pid [0-9]+ running, which oobd stopped\): services must run in the foreground' \
	"status reports the problem"
"$OOBCTL" status >/dev/null 2>&1
is "$?" 1 "oobctl status exits 1 (degraded)"
like "$("$OOBCTL" status --json 2>&1)" '"service forker daemonizes' "the JSON status lists it among the problems"

# Fixed in the config: the program in the foreground. The copies are gone,
# one program runs under oobd, and the problem is no longer reported.
sed -i "s|^exec = $T/daemonize\$|exec = $T/stray 100000|" "$T/oobd.conf"
mark=$(log_mark)
"$OOBCTL" reload >/dev/null
wait_until 10 eval '[ "$(count stray)" = 1 ] && log_after "$mark" "^<6>forker started"'
ok $? "the fixed service runs, one copy"
pid=$(running stray)
is "$(awk '{ print $4 }' "/proc/$pid/stat")" "$OOBD_PID" "... a child of oobd"
unlike "$("$OOBCTL" status 2>&1)" 'forker daemonizes' "status no longer reports the problem"

# --- a stop takes what the program left in sessions of its own ---
cat >> "$T/oobd.conf" <<EOF

[service keeper]
exec = $T/keeper
EOF
mark=$(log_mark)
"$OOBCTL" reload >/dev/null
wait_until 10 eval '[ "$(count helper)" = 1 ] && [ "$(count stray 200000)" = 1 ]'
ok $? "keeper runs, with its helper"
unlike "$("$OOBCTL" status 2>&1)" 'keeper daemonizes' "a program in the foreground is not reported"
sed -i '/^\[service keeper\]/,$d' "$T/oobd.conf"
"$OOBCTL" reload >/dev/null
wait_until 10 log_after "$mark" '^<6>keeper stopped'
ok $? "keeper removed from the config: stopped"
wait_until 10 eval '[ "$(count helper)" = 0 ]'
ok $? "... its helper, in a session of its own, with it"
is "$(count stray 200000)" 0 "... and its program"
is "$(count stray 100000)" 1 "the other service runs on"

# --- a program killed (the OOM killer) leaves a child: stopped too ---
cat >> "$T/oobd.conf" <<EOF

[service wrapper]
exec = /bin/sh -c "$T/stray 300000 & wait"
EOF
mark=$(log_mark)
"$OOBCTL" reload >/dev/null
wait_until 10 eval '[ "$(count stray 300000)" = 1 ]'
ok $? "wrapper runs, with its child"
wpid=$(sed -n 's/^<6>wrapper started (pid \([0-9]*\))$/\1/p' "$T/oobd.log" | tail -n 1)
child=$(running stray 300000)
gone() { [ -z "$(running stray 300000 | grep -x "$child")" ]; }
kill -KILL "$wpid"
wait_until 10 gone
ok $? "the wrapper's shell killed: the child it left is stopped"
log_after "$mark" "^<4>wrapper: stopping pid $child, left running by its program\$"
ok $? "... with a warning"
wait_until 10 eval '[ "$(count stray 300000)" = 1 ]'
ok $? "the wrapper is started again, with one child"
unlike "$("$OOBCTL" status 2>&1)" 'wrapper daemonizes' "a program killed is not taken for one that daemonized"

stop_oobd
wait_until 10 eval '[ "$(count stray)" = 0 ]'
ok $? "oobd stopped: no copy left running"
done_testing
