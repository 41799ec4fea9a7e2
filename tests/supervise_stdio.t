# SPDX-License-Identifier: GPL-2.0-or-later
# oobd started with standard input, output and error closed: the files it
# opens later (its lock, its sockets) must not take fds 0-2, or every log
# line would be written into the lock file, and sshd's log (-e, on the fd 2
# it inherits) with it. oobd puts /dev/null there first.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

make_nic
make_keys
write_sshd_config
write_nic_config "$T/oobd.conf"

for closed in "2" "0 1 2"; do
	label="fd $closed closed"
	if [ "$closed" = 2 ]; then
		"$OOBD" -c "$T/oobd.conf" >>"$T/oobd.log" 2>&- &
	else
		"$OOBD" -c "$T/oobd.conf" <&- >&- 2>&- &
	fi
	OOBD_PID=$!
	wait_until 15 ssh_banner "$OOB4"
	ok $? "$label: sshd answers" || bail "oobd did not come up"
	for fd in $closed; do
		is "$(readlink "/proc/$OOBD_PID/fd/$fd")" /dev/null "$label: oobd's fd $fd is /dev/null"
	done
	is "$(cat /run/oobd/oobd.pid)" "$OOBD_PID" "$label: the lock file holds oobd's pid, and nothing else"
	is "$(readlink "/proc/$(sshd_pid)/fd/2")" /dev/null "$label: sshd's fd 2 is /dev/null"
	stop_oobd
done
done_testing
