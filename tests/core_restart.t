# SPDX-License-Identifier: GPL-2.0-or-later
# A second oobd adopts what the first one set up, without a flap: same
# ifindex, no address removed, no link down, a foreign address left alone.
# And a killed sshd comes back.
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
gateway = $ADM6
route = 198.51.100.0/24 via 203.0.113.254
[dns]
nameserver = 203.0.113.53
EOF

ifindex() { ip -n oob -o link show oob0 2>/dev/null | cut -d: -f1; }
# Everything oobd owns, in a stable order (addresses, routes, link flags).
oob_state() {
	ip -n oob -o addr show dev oob0 scope global | awk '{print $3, $4}'
	ip -n oob route show proto 176
	ip -n oob -6 route show proto 176 | sed 's/ metric.*//'
	ip -n oob -o link show oob0 | sed 's/.*<\([^>]*\)>.*/\1/'
}

start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "first oobd: sshd answers" || bail "oobd did not come up"
wait_until 10 oob_ssh "$OOB6" true
ok $? "first oobd: ssh over IPv6"
# An address someone else added: oobd must leave it alone. Re-adding it
# ("replace") is notified each time, which proves the monitor below is live
# before the restart.
ip -n oob monitor address link > "$T/monitor.out" 2>&1 &
MON_PID=$!
marker_seen() {
	ip -n oob addr replace 198.51.100.77/32 dev oob0 &&
	grep -q "198.51.100.77" "$T/monitor.out"
}
wait_until 10 marker_seen
ok $? "the monitor of namespace oob sees events" || bail "ip monitor not working"

idx1=$(ifindex)
state1=$(oob_state)
pid1=$(sshd_pid)
like "$state1" "$OOB4/24" "first oobd configured the NIC"

stop_oobd
ip netns list | grep -qw oob
ok $? "after SIGTERM the namespace stays"
is "$(ifindex)" "$idx1" "after SIGTERM the NIC stays in it"
kill -0 "$pid1" 2>/dev/null
ok $(( ! $? )) "after SIGTERM sshd has stopped"

start_oobd "$T/oobd.conf"
# sshd_pid_new OLD: a live sshd whose pid is not OLD has written the pid file.
sshd_pid_new() { local p; p=$(sshd_pid); [ -n "$p" ] && [ "$p" != "$1" ] && kill -0 "$p" 2>/dev/null; }
wait_until 15 sshd_pid_new "$pid1"
ok $? "second oobd started a new sshd"
wait_until 15 ssh_banner "$OOB4"
ok $? "second oobd: sshd answers"
out=$(oob_ssh "$OOB4" ip -o addr show dev oob0 2>&1)
like "$out" "inet $OOB4/24" "second oobd: ssh over IPv4 works"
wait_until 10 oob_ssh "$OOB6" true
ok $? "second oobd: ssh over IPv6 works"
wait_until 10 grep -q 'adopted' "$T/oobd.log"
ok $? "second oobd adopted the namespace"

is "$(ifindex)" "$idx1" "same ifindex after the restart"
is "$(oob_state)" "$state1" "same addresses, routes and link flags after the restart"
like "$(ip -n oob -o addr show dev oob0)" "198.51.100.77/32" "the foreign address is still there"

kill "$MON_PID"; wait "$MON_PID" 2>/dev/null
unlike "$(cat "$T/monitor.out")" "^Deleted" "no address or link was deleted across the restart"
# A link line of oob0 without UP would be the flap.
down=$(grep -E '^[0-9]+: oob0[@:]' "$T/monitor.out" | grep -Ev '<([^>]*,)?UP[,>]')
is "$down" "" "oob0 never went down across the restart"
diag "monitor saw $(wc -l < "$T/monitor.out") line(s)"

# --- a killed sshd comes back ---
pid2=$(sshd_pid)
kill -KILL "$pid2"
wait_until 15 sshd_pid_new "$pid2"
ok $? "sshd killed with SIGKILL: a new one runs"
wait_until 15 ssh_banner "$OOB4"
ok $? "the new sshd answers with its banner"
like "$(oob_ssh "$OOB4" echo back 2>&1)" "^back$" "ssh works again"
like "$(cat "$T/oobd.log")" "killed by signal 9" "oobd logged how sshd died"

stop_oobd
done_testing
