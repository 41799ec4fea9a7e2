# SPDX-License-Identifier: GPL-2.0-or-later
# SIGHUP: a good config is applied (an extra address, a new nameserver an
# open session reads at once) while what was added by hand stays and sshd
# is left running; a broken one changes nothing and is reported as
# FILE:LINE; open sessions survive both. "sshd -T" is asked about the sshd
# config only when the config does not name its sockets plainly, or sshd
# refused it (to say why).
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

make_nic
make_keys
write_sshd_config
# sshd through a wrapper that counts the config questions ("sshd -T").
printf '#!/bin/sh\n[ "$1" = -T ] && echo "$*" >> %s/sshd-T.asked\nexec /usr/sbin/sshd "$@"\n' "$T" \
	> "$T/sshd-counting"
chmod 0755 "$T/sshd-counting"
asked() { cat "$T/sshd-T.asked" 2>/dev/null | wc -l; }
conf() { # conf EXTRA-ADDRESS-LINE NAMESERVER
	write_config "$T/oobd.conf" <<EOF
[interface]
match = mac:$NIC_MAC
rename = oob0
address = $OOB4/24
$1
gateway = $ADM4
[dns]
nameserver = $2
EOF
	echo "exec = $T/sshd-counting" >> "$T/oobd.conf" # the [sshd] section ends the file
}
conf "" 203.0.113.53

addrs() { ip -n oob -o addr show dev oob0 | awk '{ print $3, $4 }' | sort; }
routes() { ip -n oob route show; ip -n oob -6 route show | grep -v '^fe80'; }
seen() { cat "$T/resolv.seen" 2>/dev/null; }
# The session's loop still runs: it writes the file again.
seen_fresh() { rm -f "$T/resolv.seen"; wait_until 5 test -s "$T/resolv.seen"; }
sshd_pid_new() { local p; p=$(sshd_pid); [ -n "$p" ] && [ "$p" != "$1" ] && kill -0 "$p" 2>/dev/null; }

start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "oobd did not come up"

# An open session reads its resolv.conf every 0.2 s.
oob_ssh "$OOB4" "while :; do cat /etc/resolv.conf > $T/resolv.tmp; mv $T/resolv.tmp $T/resolv.seen; sleep 0.2; done" \
	> /dev/null 2>&1 &
SESSION=$!
wait_until 10 eval 'seen | grep -q "^nameserver 203.0.113.53$"'
ok $? "the session reads the configured nameserver" || bail "no session"

# By hand, not oobd's: both must stay across reloads.
ip -n oob addr add 203.0.113.99/24 dev oob0
ip -n oob route add 198.51.100.0/24 via 203.0.113.1
sshd1=$(sshd_pid)

# --- a good reload ---
is "$(asked)" 0 "sshd -T was not asked at start-up: the config names its sockets, sshd checks it as it starts"
wait_until 10 test -s /run/oobd/sshd_config.last-good
ok $? "the config that reached its banner is kept as the last-good one"
asked1=$(asked)
conf "address = 203.0.113.11/24" 203.0.113.54
mark=$(log_mark)
kill -HUP "$OOBD_PID"
wait_until 10 log_after "$mark" '^<5>reload done'
ok $? "the reload is done"
is "$(asked)" "$asked1" "sshd -T was not asked on the reload either"
wait_until 10 eval 'ip -n oob -o addr show dev oob0 | grep -q "inet 203.0.113.11/24"'
ok $? "the extra address is on oob0"
a=$(addrs)
like "$a" "203.0.113.99/24" "the address added by hand is still there"
like "$a" "$OOB4/24" "the first configured address is still there"
like "$(ip -n oob route show 198.51.100.0/24)" "198.51.100.0/24 via 203.0.113.1 dev oob0" \
	"the route added by hand is still there"
like "$(cat /etc/netns/oob/resolv.conf)" "^nameserver 203.0.113.54$" "/etc/netns/oob/resolv.conf has the new nameserver"
wait_until 10 eval 'seen | grep -q "^nameserver 203.0.113.54$"'
ok $? "the open session reads the new nameserver"
unlike "$(seen)" "203.0.113.53" "... and no longer the old one"
is "$(sshd_pid)" "$sshd1" "sshd was not restarted (its config did not change)"
log_after "$mark" 'restarting the sshd listener'
ok $(( ! $? )) "the log does not say sshd was restarted"
kill -0 "$SESSION"
ok $? "the session survived the reload"
like "$(oob_ssh "$OOB4" echo after-reload 2>&1)" "^after-reload$" "a new ssh login works"

# --- a broken reload ---
addrs1=$(addrs)
routes1=$(routes)
resolv1=$(cat /etc/netns/oob/resolv.conf)
conf "address = 203.0.113.300/24" 203.0.113.55
bad_line=$(grep -n '203.0.113.300' "$T/oobd.conf" | cut -d: -f1)
mark=$(log_mark)
kill -HUP "$OOBD_PID"
wait_until 10 log_after "$mark" '^<3>reload: .* has [0-9]+ problem\(s\); nothing changed'
ok $? "the broken reload is refused: nothing changed"
log_after "$mark" "^<3>$T/oobd.conf:$bad_line: .*203\.0\.113\.300"
ok $? "the error names FILE:LINE ($T/oobd.conf:$bad_line)" ||
	tail -n +"$((mark + 1))" "$T/oobd.log" | sed 's/^/#   /'
is "$(addrs)" "$addrs1" "the addresses did not change"
is "$(routes)" "$routes1" "the routes did not change"
is "$(cat /etc/netns/oob/resolv.conf)" "$resolv1" "resolv.conf did not change"
unlike "$(seen)" "203.0.113.55" "the session does not see the rejected nameserver"
is "$(sshd_pid)" "$sshd1" "sshd was not restarted"
kill -0 "$OOBD_PID"
ok $? "oobd is still running"
kill -0 "$SESSION"
ok $? "the session survived the broken reload"
seen_fresh
ok $? "the session's loop still runs"
like "$(oob_ssh "$OOB4" echo after-bad 2>&1)" "^after-bad$" "a new ssh login works"

# --- the good config again: the state follows ---
conf "" 203.0.113.53
mark=$(log_mark)
kill -HUP "$OOBD_PID"
wait_until 10 log_after "$mark" '^<5>reload done'
ok $? "reload back to the first config"
wait_until 10 eval '! ip -n oob -o addr show dev oob0 | grep -q "inet 203.0.113.11/24"'
ok $? "the address no longer configured is removed"
like "$(addrs)" "203.0.113.99/24" "the address added by hand is still there"
like "$(ip -n oob route show 198.51.100.0/24)" "198.51.100.0/24 via 203.0.113.1 dev oob0" \
	"the route added by hand is still there"
wait_until 10 eval 'seen | grep -q "^nameserver 203.0.113.53$"'
ok $? "the open session reads the nameserver of the first config again"

# --- sshd's own config changed: the listener restarts, sessions stay ---
echo "MaxAuthTries 4" >> "$T/sshd_config"
mark=$(log_mark)
kill -HUP "$OOBD_PID"
wait_until 15 sshd_pid_new "$sshd1" && wait_until 15 ssh_banner "$OOB4"
ok $? "sshd_config changed, SIGHUP: a new listener answers"
log_after "$mark" 'sshd configuration changed; restarting the sshd listener'
ok $? "the log says why sshd was restarted"
is "$(sshd_listeners | wc -l)" 1 "exactly one listener"
like "$(oob_ssh "$OOB4" echo new-listener 2>&1)" "^new-listener$" "a new ssh login works"
seen_fresh
ok $? "the open session survived the listener's restart"

# hup_until_ready SOURCE: SIGHUP, then a new sshd ready with the SOURCE
# config (mark: the log before the SIGHUP).
hup_until_ready() {
	local old
	old=$(sshd_pid)
	mark=$(log_mark)
	kill -HUP "$OOBD_PID"
	wait_until 15 sshd_pid_new "$old" && wait_until 15 log_after "$mark" "^<6>sshd ready \\(pid [0-9]+, $1 config"
}

# --- sshd's config broken, then SIGHUP: refused, the listener stays ---
echo "ThisIsNotAnSshdOption yes" >> "$T/sshd_config"
old=$(sshd_pid)
mark=$(log_mark)
kill -HUP "$OOBD_PID"
wait_until 15 log_after "$mark" '^<3>reload: sshd -t rejects the new sshd config; nothing changed'
ok $? "broken sshd_config, SIGHUP: the reload is refused"
log_after "$mark" "^<3>$T/sshd_config:[0-9]+: .*ThisIsNotAnSshdOption"
ok $? "the log says what sshd -t said, as FILE:LINE"
is "$(sshd_pid)" "$old" "the listener was not restarted"
like "$(oob_ssh "$OOB4" echo kept 2>&1)" "^kept$" "ssh works through the listener kept"

# --- ... and when that sshd dies, the last good config serves ---
mark=$(log_mark)
kill -KILL "$old"
wait_until 15 sshd_pid_new "$old" && wait_until 15 log_after "$mark" "^<6>sshd ready \\(pid [0-9]+, last-good config"
ok $? "sshd killed with its config broken: sshd runs with the last good config"
log_after "$mark" '^<3>sshd -T rejects the configured sshd config'
ok $? "the log says sshd -T rejected it"
like "$(asked)" '^[1-9]' "sshd -T was asked why"
like "$(oob_ssh "$OOB4" echo last-good 2>&1)" "^last-good$" "ssh works"
sed -i '/ThisIsNotAnSshdOption/d' "$T/sshd_config"
hup_until_ready configured
ok $? "repaired, SIGHUP: sshd runs with the configured config again"
seen_fresh
ok $? "the open session survived both"

# --- a port sshd must look up itself: sshd -T tells it to oobd ---
sed -i 's/^Port 22$/Port ssh/' "$T/sshd_config"
asked2=$(asked)
hup_until_ready configured
ok $? "Port ssh (a service name), SIGHUP: sshd runs with the configured config"
ok $(( $(asked) > asked2 ? 0 : 1 )) "sshd -T was asked where it listens"
wait_until 15 ssh_banner "$OOB4"
ok $? "it answers on port 22"
sed -i 's/^Port ssh$/Port 22/' "$T/sshd_config"
hup_until_ready configured
ok $? "Port 22 again, SIGHUP: sshd runs with the configured config"

# --- a burst of SIGHUPs ---
sshd2=$(sshd_pid)
mark=$(log_mark)
for i in $(seq 1 20); do kill -HUP "$OOBD_PID"; done
wait_until 10 log_after "$mark" '^<5>reload done'
ok $? "a burst of 20 SIGHUPs is handled"
kill -0 "$OOBD_PID"
ok $? "oobd is still running"
is "$(sshd_pid)" "$sshd2" "sshd was not restarted (nothing changed)"
is "$(sshd_listeners | wc -l)" 1 "exactly one listener"
like "$(oob_ssh "$OOB4" echo burst 2>&1)" "^burst$" "ssh works"

# --- services added, changed and removed by a reload ---
with_ticker() { # with_ticker SECONDS: the config plus a [service ticker]
	conf "" 203.0.113.53
	cat >> "$T/oobd.conf" <<EOF

[service ticker]
exec = /bin/sh -c 'readlink /proc/self/ns/net > $T/ticker.ns; exec sleep $1'
EOF
}
ticker_pid() { pgrep -x -f "sleep $1"; }
with_ticker 1000
mark=$(log_mark)
kill -HUP "$OOBD_PID"
wait_until 10 ticker_pid 1000
ok $? "a service added by a reload is started"
log_after "$mark" '^<5>service ticker added'
ok $? "the log says it was added"
is "$(cat "$T/ticker.ns" 2>&1)" "$(readlink "/proc/$(sshd_pid)/ns/net")" "it runs in the namespace sshd runs in"
tp=$(ticker_pid 1000)
is "$(ps -o ppid= -p "$tp" | tr -d ' ')" "$OOBD_PID" "it is a child of oobd"
with_ticker 1001
mark=$(log_mark)
kill -HUP "$OOBD_PID"
wait_until 10 ticker_pid 1001
ok $? "a service changed by a reload is restarted with its new command"
kill -0 "$tp" 2>/dev/null
ok $(( ! $? )) "... and the old process is gone"
log_after "$mark" '^<5>service ticker changed; restarting it'
ok $? "the log says it was changed"
tp=$(ticker_pid 1001)
conf "" 203.0.113.53
mark=$(log_mark)
kill -HUP "$OOBD_PID"
wait_until 10 eval '! kill -0 '"$tp"' 2>/dev/null'
ok $? "a service removed by a reload is stopped"
log_after "$mark" '^<5>service ticker removed from the config; stopping it'
ok $? "the log says it was removed"
wait_until 10 log_after "$mark" '^<6>ticker stopped'
ok $? "the log says it stopped"
mark=$(log_mark)
kill -HUP "$OOBD_PID"
wait_until 10 log_after "$mark" '^<5>reload done'
ok $? "one more reload goes through"
ticker_pid 1001 >/dev/null || ticker_pid 1000 >/dev/null
ok $(( ! $? )) "the removed service stays gone"
kill -0 "$OOBD_PID"
ok $? "oobd is still running"

# --- a service removed, and back before it has stopped: it runs again ---
with_stubborn() { # the config plus a service that ignores SIGTERM
	conf "" 203.0.113.53
	cat >> "$T/oobd.conf" <<EOF

[service stubborn]
exec = /bin/sh -c 'trap "" TERM; exec sleep 1002'
EOF
}
with_stubborn
kill -HUP "$OOBD_PID"
wait_until 10 ticker_pid 1002
ok $? "a service that ignores SIGTERM is started"
sp=$(ticker_pid 1002)
conf "" 203.0.113.53
mark=$(log_mark)
kill -HUP "$OOBD_PID"
wait_until 10 log_after "$mark" '^<5>service stubborn removed from the config; stopping it'
ok $? "it is removed by a reload: oobd stops it (and waits, since it ignores SIGTERM)"
with_stubborn
mark=$(log_mark)
kill -HUP "$OOBD_PID"
wait_until 10 log_after "$mark" '^<5>service stubborn is back in the config; starting it again once it has stopped'
ok $? "back in the config before it has stopped: the log says it will start again"
wait_until 20 eval 'p=$(ticker_pid 1002) && [ "$p" != "$sp" ]'
ok $? "once the old process is killed, a new one runs"
kill -0 "$sp" 2>/dev/null
ok $(( ! $? )) "... and the old one is gone"

# --- a [service] program that cannot run ---
conf "" 203.0.113.53
printf '\n[service gone]\nexec = %s\n' "$T/no-such-program" >> "$T/oobd.conf"
gone_line=$(grep -n "^exec = $T/no-such-program" "$T/oobd.conf" | cut -d: -f1)
mark=$(log_mark)
kill -HUP "$OOBD_PID"
wait_until 10 log_after "$mark" '^<3>reload: .* has 1 problem\(s\); nothing changed'
ok $? "a reload that names a missing service program is refused"
log_after "$mark" "^<3>$T/oobd.conf:$gone_line: key 'exec': program of \\[service gone\\] $T/no-such-program: No such file or directory"
ok $? "... and the log says where and why"
ticker_pid 1002 >/dev/null
ok $? "the running service is kept"
kill "$SESSION" 2>/dev/null
stop_oobd
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "at start-up the same config does not keep the path from coming up"
log_has "^<4>$T/oobd.conf:$gone_line: key 'exec': warning: program of \\[service gone\\] $T/no-such-program: No such file or directory \\(it is started once it can be\\)"
ok $? "... the log warns that the service cannot start"
like "$(oob_ssh "$OOB4" echo still 2>&1)" "^still$" "ssh works"
stop_oobd
done_testing
