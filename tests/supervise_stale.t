# SPDX-License-Identifier: GPL-2.0-or-later
# A stale /run/oobd/sshd.pid: a starting oobd stops the listener an earlier
# oobd left behind, and only that. A PID that now belongs to the main
# system's sshd (outside the oob namespace), or to an sshd process in the
# namespace that is not an oobd listener (an ssh session), is left alone.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

make_nic
make_keys
write_sshd_config
write_nic_config "$T/oobd.conf"

# A program named sshd that is not one: it stands in for the main system's
# sshd, or a session of the oob sshd, that got the recycled PID.
mkdir -p /run/fake
cp /bin/sleep /run/fake/sshd

# --- the main system's sshd has the PID ---
/run/fake/sshd 1000 &
fake=$!
mkdir -p /run/oobd
echo "$fake" > /run/oobd/sshd.pid
mark=$(log_mark)
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "oobd's sshd answers" || bail "oobd did not come up"
"$BUILD/oobctl" status >/dev/null # served from the event loop: the start-up is over
kill -0 "$fake"
ok $? "an sshd outside the oob namespace named in the stale pid file is left alone"
! log_after "$mark" 'of an earlier oobd is still running'
ok $? "... and oobd did not say it stopped it"
kill "$fake"
wait "$fake" 2>/dev/null
stop_oobd

# --- an sshd process in the namespace that is not a listener of oobd ---
ip netns exec oob /run/fake/sshd 1000 &
fake=$!
in_oob() { [ "$(readlink "/proc/$fake/ns/net")" = "$(ip netns exec oob readlink /proc/self/ns/net)" ]; }
wait_until 10 in_oob
ok $? "the stand-in for a session runs in the oob namespace"
echo "$fake" > /run/oobd/sshd.pid
mark=$(log_mark)
start_oobd "$T/oobd.conf"
wait_until 15 log_after "$mark" '^<6>sshd ready'
ok $? "oobd's sshd is ready"
kill -0 "$fake"
ok $? "an sshd in the namespace without oobd's command line (a session) is left alone"
! log_after "$mark" 'of an earlier oobd is still running'
ok $? "... and oobd did not say it stopped it"
kill "$fake"
wait "$fake" 2>/dev/null
stop_oobd

# --- a listener an earlier oobd left behind ---
ip netns exec oob /usr/sbin/sshd -D -e -f "$T/sshd_config" -o PidFile=/run/oobd/sshd.pid >>"$T/orphan.log" 2>&1 &
orphan=$!
orphan_up() { [ "$(cat /run/oobd/sshd.pid 2>/dev/null)" = "$orphan" ] && ssh_banner "$OOB4"; }
wait_until 15 orphan_up
ok $? "a leftover listener holds the port in the namespace"
mark=$(log_mark)
start_oobd "$T/oobd.conf"
wait_until 15 log_after "$mark" "^<4>an sshd listener \\(pid $orphan\\) of an earlier oobd is still running; stopping it"
ok $? "oobd stops it"
wait "$orphan" 2>/dev/null
kill -0 "$orphan" 2>/dev/null
ok $(( ! $? )) "it is gone"
wait_until 15 log_after "$mark" '^<6>sshd ready \(pid [0-9]+, configured config'
ok $? "oobd's own sshd is ready"
new_pid() { p=$(sshd_pid); [ -n "$p" ] && [ "$p" != "$orphan" ]; }
wait_until 10 new_pid
ok $? "the pid file names oobd's listener"
is "$(sshd_listeners | wc -l)" 1 "exactly one listener"
stop_oobd
done_testing
