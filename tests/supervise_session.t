# SPDX-License-Identifier: GPL-2.0-or-later
# An open ssh session survives SIGTERM and SIGKILL of oobd and the start of
# a new one; the NIC never flaps (same ifindex, no address deleted, no link
# down); afterwards exactly one listener runs, a child of the new oobd. And
# oom_score_adj: 0 in what oobd starts, -1000 for oobd where it may.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

make_nic
make_keys
write_sshd_config
write_config "$T/oobd.conf" <<EOF
[interface]
match = mac:$NIC_MAC
rename = oob0
address = $OOB4/24
address = $OOB6/64
gateway = $ADM4
EOF
cat >> "$T/oobd.conf" <<EOF

[service ticker]
exec = /bin/sleep 100000
EOF

sshd_pid_new() { local p; p=$(sshd_pid); [ -n "$p" ] && [ "$p" != "$1" ] && kill -0 "$p" 2>/dev/null; }
ifindex() { ip -n oob -o link show oob0 2>/dev/null | cut -d: -f1; }
addrs() { ip -n oob -o addr show dev oob0 | awk '{ print $3, $4 }' | sort; }
counter() { cat "$T/counter" 2>/dev/null || echo 0; }
tickers() { pgrep -x -f '/bin/sleep 100000' | wc -l; }
# The session's loop is alive: its counter moves past what it is now.
counter_moves() {
	local c0; c0=$(counter)
	wait_until 10 eval '[ "$(counter)" -gt "'"$c0"'" ]'
}

# oobd is started with oom_score_adj 500, which needs no privilege: its
# children must come out at 0 whatever oobd itself got.
start_oobd_oom500() {
	(echo 500 > /proc/self/oom_score_adj && exec "$OOBD" -c "$1") >>"$T/oobd.log" 2>&1 &
	OOBD_PID=$!
}

start_oobd_oom500 "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "oobd did not come up"
wait_until 10 grep -q oobd "/proc/$OOBD_PID/comm"
ok $? "OOBD_PID is oobd itself"

# --- oom_score_adj ---
is "$(oob_ssh "$OOB4" cat /proc/self/oom_score_adj 2>&1)" 0 "oom_score_adj is 0 inside an ssh session"
is "$(cat "/proc/$(sshd_pid)/oom_score_adj")" 0 "oom_score_adj is 0 in the sshd listener"
if has_cap 24; then
	is "$(cat "/proc/$OOBD_PID/oom_score_adj")" -1000 "oobd's own oom_score_adj is -1000"
else
	skip "oobd's own oom_score_adj is -1000: no CAP_SYS_RESOURCE here (bit 24 of CapEff), which lowering it needs"
	like "$(cat "$T/oobd.log")" "<4>setting oom_score_adj to -1000: " "without it oobd logs a warning"
fi

# --- an open session across SIGTERM, SIGKILL and a new oobd ---
ip -n oob monitor link address > "$T/monitor.out" 2>&1 &
MON_PID=$!
marker_seen() {
	ip -n oob addr replace 198.51.100.77/32 dev oob0 && grep -q "198.51.100.77" "$T/monitor.out"
}
wait_until 10 marker_seen
ok $? "the monitor of namespace oob sees events" || bail "ip monitor not working"
idx1=$(ifindex)
addrs1=$(addrs)

oob_ssh "$OOB4" "i=0; while :; do i=\$((i + 1)); echo \$i > $T/counter.tmp; mv $T/counter.tmp $T/counter; sleep 0.2; done" \
	> "$T/session.out" 2>&1 &
SESSION=$!
wait_until 10 test -s "$T/counter"
ok $? "the session's loop writes its counter" || bail "no session"
session_pids=$(pgrep -f 'sshd: root@notty')
diag "session sshd process(es): $session_pids"

pid1=$(sshd_pid)
kill -TERM "$OOBD_PID"
wait "$OOBD_PID" 2>/dev/null
ok $? "SIGTERM: oobd exits cleanly"
wait_until 10 eval '! kill -0 '"$pid1"' 2>/dev/null'
ok $? "SIGTERM: the listener stopped"
ssh_banner "$OOB4"
ok $(( ! $? )) "SIGTERM: nothing answers on port 22 any more"
counter_moves
ok $? "SIGTERM: the session lives on"
is "$(tickers)" 0 "SIGTERM: the service stopped"

start_oobd_oom500 "$T/oobd.conf"
wait_until 15 sshd_pid_new "$pid1" && wait_until 15 ssh_banner "$OOB4"
ok $? "second oobd: sshd answers"
counter_moves
ok $? "second oobd: the session lives on"
wait_until 10 eval '[ "$(tickers)" = 1 ]'
ok $? "second oobd: one instance of the service runs"

pid2=$(sshd_pid)
{ kill -KILL "$OOBD_PID"; wait "$OOBD_PID"; } 2>/dev/null
wait_until 10 eval '! kill -0 '"$pid2"' 2>/dev/null'
ok $? "SIGKILL of oobd: its listener died with it"
counter_moves
ok $? "SIGKILL of oobd: the session lives on"
wait_until 10 eval '[ "$(tickers)" = 0 ]'
ok $? "SIGKILL of oobd: the service died with it"

start_oobd_oom500 "$T/oobd.conf"
wait_until 15 sshd_pid_new "$pid2" && wait_until 15 ssh_banner "$OOB4"
ok $? "third oobd: sshd answers"
like "$(oob_ssh "$OOB4" echo third 2>&1)" "^third$" "third oobd: a new ssh login works"
counter_moves
ok $? "third oobd: the first session lives on"
kill -0 "$SESSION" 2>/dev/null
ok $? "the session's ssh client is still connected"
wait_until 10 eval '[ "$(tickers)" = 1 ]'
ok $? "third oobd: one instance of the service runs"
is "$(ps -o ppid= -p "$(pgrep -x -f '/bin/sleep 100000' | head -n 1)" | tr -d ' ')" "$OOBD_PID" "... a child of the third oobd"

is "$(ifindex)" "$idx1" "oob0 kept its ifindex throughout"
is "$(addrs)" "$addrs1" "oob0 kept its addresses throughout"
kill "$MON_PID"; wait "$MON_PID" 2>/dev/null
unlike "$(cat "$T/monitor.out")" "^Deleted" "no address or link was deleted throughout"
down=$(grep -E '^[0-9]+: oob0[@:]' "$T/monitor.out" | grep -Ev '<([^>]*,)?UP[,>]')
is "$down" "" "oob0 never went down throughout"
diag "monitor saw $(wc -l < "$T/monitor.out") line(s)"

# --- exactly one listener, the new oobd's ---
listeners=$(sshd_listeners)
is "$(printf '%s\n' "$listeners" | grep -c .)" 1 "exactly one sshd listener" ||
	ps -e -o pid,ppid,args | sed 's/^/#   /'
is "$(printf '%s\n' "$listeners" | awk '{ print $2 }')" "$OOBD_PID" "its parent is the new oobd"
is "$(printf '%s\n' "$listeners" | awk '{ print $1 }')" "$(sshd_pid)" "it is the sshd named in /run/oobd/sshd.pid"
children=$(ps -e -o pid=,ppid=,comm= | awk -v p="$OOBD_PID" '$2 == p && $3 == "sshd"' | wc -l)
is "$children" 1 "oobd has exactly one sshd child"
is "$(cat "/proc/$(sshd_pid)/oom_score_adj")" 0 "the new listener's oom_score_adj is 0"

pid3=$(sshd_pid)
kill -KILL "$pid3"
wait_until 15 sshd_pid_new "$pid3" && wait_until 15 ssh_banner "$OOB4"
ok $? "the listener killed: a new one answers"
one_listener_of_oobd() {
	local l; l=$(sshd_listeners)
	[ "$(printf '%s\n' "$l" | grep -c .)" = 1 ] && [ "$(printf '%s\n' "$l" | awk '{ print $2 }')" = "$OOBD_PID" ]
}
wait_until 10 one_listener_of_oobd
ok $? "again exactly one listener, a child of oobd"
like "$(oob_ssh "$OOB4" echo again 2>&1)" "^again$" "ssh works"
counter_moves
ok $? "the first session still lives on"

kill "$SESSION" 2>/dev/null
stop_oobd
done_testing
