# SPDX-License-Identifier: GPL-2.0-or-later
# WATCHDOG=1 keeps coming while a reload waits on a helper or a lock (here
# the host-wide xtables lock, held by someone else for 12 s): the service
# manager's watchdog must not kill an oobd that is slow, not hung.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

cp "$SRC_DIR/conf/firewall-v4.rules" "$T/fw4.rules"
make_nic; make_keys; write_sshd_config
write_config "$T/oobd.conf" <<EOF
[interface]
match = mac:$NIC_MAC
rename = oob0
address = $OOB4/24
[firewall]
ipv4 = $T/fw4.rules
EOF
rm -f "$T/notify.sock"; : > "$T/notify.out"
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
with open(sys.argv[2], "a") as f:
    while True:
        m = s.recv(4096).decode()
        f.write("%.3f %s\n" % (time.monotonic(), m.strip())); f.flush()
' "$T/notify.sock" "$T/notify.out" &
NOTIFY_LISTENER_PID=$!
wait_until 10 test -S "$T/notify.sock" || bail "no notification socket"

# A 4 s watchdog: a ping every 2 s.
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=4000000 start_oobd "$T/oobd.conf"
wait_until 20 grep -q ' READY=1$' "$T/notify.out"
ok $? "READY=1" || bail "oobd did not start"
wait_until 20 ssh_banner "$OOB4"

sed -i 's/^COMMIT/-A INPUT -p tcp --dport 8080 -j ACCEPT\nCOMMIT/' "$T/fw4.rules"
flock -o /run/xtables.lock sleep 12 &
LOCK_PID=$!
wait_until 5 eval '! flock -n /run/xtables.lock true' || bail "the lock was not taken"
kill -HUP "$OOBD_PID"
wait_until 60 log_has 'reload done'
ok $? "the reload completes"
wait "$LOCK_PID"
# Two pings more: the stretch up to now is measured too.
pings() { grep -c ' WATCHDOG=1$' "$T/notify.out"; }
n=$(pings)
wait_until 10 eval '[ "$(pings)" -ge $((n + 2)) ]'
ok $? "pings go on after the reload"
# The manager's watchdog runs from the first READY=1; each WATCHDOG=1 resets it.
gap=$(awk '$2 == "WATCHDOG=1" || ($2 == "READY=1" && !p) { if (p && $1 - p > m) m = $1 - p; p = $1 } END { printf "%d", m }' "$T/notify.out")
diag "longest interval between WATCHDOG=1 pings: ${gap} s"
[ "$gap" -lt 4 ]
ok $? "no gap between WATCHDOG=1 pings reaches WATCHDOG_USEC while the reload waits"

stop_oobd
kill "$NOTIFY_LISTENER_PID" 2>/dev/null
done_testing
