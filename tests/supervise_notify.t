# SPDX-License-Identifier: GPL-2.0-or-later
# The service manager's notification protocol, on a test NOTIFY_SOCKET:
# READY=1 after start-up even with the NIC absent, EXTEND_TIMEOUT_USEC=
# before each sshd host key it generates, STATUS= naming the NIC
# (or the wait for it), WATCHDOG=1 pings with WATCHDOG_USEC, RELOADING=1
# then READY=1 around a reload, STOPPING=1; and none of it leaks into the
# children. The sshd config listens on the NIC's address only, so until the
# NIC appears sshd runs with the built-in config; then with the configured one.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

make_keys
write_sshd_config
sed -i '/^ListenAddress/d' "$T/sshd_config"
echo "ListenAddress $OOB4" >> "$T/sshd_config"
write_nic_config "$T/oobd.conf"

notify_listen "$T/notify.sock" "$T/notify.out"
ok $? "the test's notification socket listens" || bail "no notification socket"
count() { grep -c -- "^$1\$" "$T/notify.out"; }
has() { grep -q -- "$1" "$T/notify.out"; }

# The NIC is absent at start.
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=400000 start_oobd "$T/oobd.conf"
wait_until 15 has '^READY=1$'
ok $? "READY=1 arrives with the NIC absent" || bail "no READY=1"
log_has 'not present; waiting for it to appear'
ok $? "(the NIC was absent)"
wait_until 10 has '^STATUS=.*waiting for the NIC'
ok $? "STATUS= says oobd waits for the NIC"
wait_until 15 has '^STATUS=.*waiting for the NIC; sshd ready (built-in config)'
ok $? "STATUS= says sshd is ready with the built-in config (its address is not there yet)"
first_ready=$(grep -n '^READY=1$' "$T/notify.out" | head -n 1 | cut -d: -f1)
first_msg=$(grep -n . "$T/notify.out" | grep -v -e ':WATCHDOG=1$' -e ':EXTEND_TIMEOUT_USEC=' | head -n 1 | cut -d: -f1)
is "$first_msg" "$first_ready" "READY=1 is the first message (watchdog pings and timeout extensions aside)"
# The start generated the sshd host key: before that, the start timeout
# was extended by ssh-keygen's 60 s and the unit's own 60 s.
test -s "$T/ssh_host_ed25519_key"
ok $? "(the start generated the sshd host key)"
head -n "$first_ready" "$T/notify.out" | grep -q '^EXTEND_TIMEOUT_USEC=120000000$'
ok $? "EXTEND_TIMEOUT_USEC=120000000 came before READY=1"

# Watchdog: pings at half of WATCHDOG_USEC (0.2 s).
w0=$(count WATCHDOG=1)
wait_until 10 eval '[ "$(count WATCHDOG=1)" -ge $((w0 + 5)) ]'
ok $? "WATCHDOG=1 pings keep arriving ($(count WATCHDOG=1) so far)"

make_nic
wait_until 15 ssh_banner "$OOB4"
ok $? "the NIC appears: sshd answers"
wait_until 10 has '^STATUS=.*NIC oob0; sshd ready (configured config)'
ok $? "STATUS= names the NIC and says sshd is ready with the configured config"
log_has '^<5>the NIC is back; trying sshd with the configured config again'
ok $? "the log says the configured config is tried again once the NIC is there"
like "$(ps -o args= -p "$(sshd_pid)")" "-f $T/sshd_config " "the listener runs with the configured file"
like "$(oob_ssh "$OOB4" echo hi 2>&1)" "^hi$" "ssh works"
is "$(tr '\0' '\n' < "/proc/$(sshd_pid)/environ" | grep -cE '^(NOTIFY_SOCKET|WATCHDOG_USEC|WATCHDOG_PID)=')" 0 \
	"sshd did not inherit NOTIFY_SOCKET or WATCHDOG_*"

# Reload: RELOADING=1, then READY=1.
n=$(wc -l < "$T/notify.out")
kill -HUP "$OOBD_PID"
wait_until 10 log_has '^<5>reload done'
reloaded() { tail -n +"$((n + 1))" "$T/notify.out" | grep -E '^(RELOADING|READY)=1$' | tr '\n' ' '; }
wait_until 10 eval '[ "$(reloaded)" = "RELOADING=1 READY=1 " ]'
is "$(reloaded)" "RELOADING=1 READY=1 " "a reload sends RELOADING=1, then READY=1"

# The watchdog still pings after all that.
w1=$(count WATCHDOG=1)
wait_until 10 eval '[ "$(count WATCHDOG=1)" -ge $((w1 + 3)) ]'
ok $? "WATCHDOG=1 pings continue"

# Stop: STOPPING=1.
stop_oobd
wait_until 5 has '^STOPPING=1$'
ok $? "SIGTERM sends STOPPING=1"

# Without WATCHDOG_USEC: no pings.
: > "$T/notify.out"
NOTIFY_SOCKET=$T/notify.sock start_oobd "$T/oobd.conf"
wait_until 15 has '^READY=1$'
ok $? "READY=1 again (NIC present, adopted from the namespace)"
wait_until 10 has '^STATUS=.*NIC oob0.*sshd ready'
ok $? "STATUS= names the NIC"
wait_until 15 ssh_banner "$OOB4"
# A ping at the 0.2 s interval would have arrived many times over by now.
is "$(count WATCHDOG=1)" 0 "no WATCHDOG=1 without WATCHDOG_USEC"

stop_oobd
kill "$NOTIFY_LISTENER_PID" 2>/dev/null
done_testing
