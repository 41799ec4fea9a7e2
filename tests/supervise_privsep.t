# SPDX-License-Identifier: GPL-2.0-or-later
# sshd's privilege separation directory /run/sshd goes away while the oob
# sshd runs: Debian's ssh.service has RuntimeDirectory=sshd, so systemd
# removes it whenever the main sshd stops or fails to start. Without it the
# oob sshd drops every connection before its banner. oobd makes it again at
# once (removed, or moved away), logs it, and "oobctl status" reports it
# while it is not usable (here: a file in its place, which oobd cannot fix).
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
[ -x "$OOBCTL" ] || bail "$OOBCTL not built (run make)"
PY=$(command -v python3) || skip_all "needs python3"

make_nic
make_keys
write_sshd_config
write_nic_config "$T/oobd.conf"

privsep_ok() { [ -d /run/sshd ] && [ ! -L /run/sshd ] && [ "$(stat -c '%u %a' /run/sshd)" = "0 755" ]; }
status_ok() { "$OOBCTL" status >/dev/null 2>&1; }

start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "oobd did not come up"
like "$(oob_ssh "$OOB4" echo hello 2>&1)" "^hello$" "ssh works"
pid=$(sshd_pid)

# --- removed, as systemd removes a RuntimeDirectory ---
mark=$(log_mark)
rm -rf /run/sshd
wait_until 10 privsep_ok
ok $? "/run/sshd removed: oobd made it again (root's, 0755)"
is "$(ls -A /run/sshd)" "" "... empty"
wait_until 10 log_after "$mark" '^<4>/run/sshd was removed .*made it again'
ok $? "the log says so"
like "$(oob_ssh "$OOB4" echo again 2>&1)" "^again$" "ssh works after the removal"
is "$(sshd_pid)" "$pid" "the listener was not restarted for it"
wait_until 10 status_ok
ok $? "oobctl status: ok"

# --- moved away ---
mark=$(log_mark)
mv /run/sshd /run/sshd.old
wait_until 10 privsep_ok
ok $? "/run/sshd moved away: oobd made it again"
wait_until 10 log_after "$mark" '^<4>/run/sshd was removed'
ok $? "the log says so"
like "$(oob_ssh "$OOB4" echo moved 2>&1)" "^moved$" "ssh works after the move"
rmdir /run/sshd.old

# --- a file in its place (swapped in atomically): reported ---
touch /run/sshd.file
mark=$(log_mark)
"$PY" - <<'EOF'
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
if libc.renameat2(AT_FDCWD, b"/run/sshd", AT_FDCWD, b"/run/sshd.file", RENAME_EXCHANGE) != 0:
    raise OSError(ctypes.get_errno(), "renameat2")
EOF
ok $? "/run/sshd swapped for a file"
wait_until 10 log_after "$mark" '^<3>/run/sshd is missing and cannot be made: Not a directory'
ok $? "the log says /run/sshd cannot be made"
out=$("$OOBCTL" status 2>&1); rc=$?
is "$rc" 1 "oobctl status: degraded while /run/sshd is not a directory"
like "$out" "/run/sshd, sshd's privilege separation directory, is not a directory: sshd drops every connection" \
	"... and says why"
like "$("$OOBCTL" status --json)" '"problems":\[[^]]*/run/sshd, sshd' "status json lists it among the problems"
mark=$(log_mark)
rm -f /run/sshd
rm -rf /run/sshd.file
wait_until 10 privsep_ok
ok $? "the file removed: oobd made /run/sshd again"
wait_until 10 status_ok
ok $? "oobctl status: ok again"
like "$(oob_ssh "$OOB4" echo back 2>&1)" "^back$" "ssh works"

# --- a directory that sshd refuses: reported ---
chmod 0777 /run/sshd
out=$("$OOBCTL" status 2>&1); rc=$?
is "$rc" 1 "oobctl status: degraded while /run/sshd is writable by others"
like "$out" "/run/sshd, sshd's privilege separation directory, is not root's or is writable by others" "... and says why"
chmod 0755 /run/sshd
status_ok
ok $? "oobctl status: ok with 0755"

# Removed while the path is down by request: "oobctl up" makes it again.
"$OOBCTL" down --yes >/dev/null
rm -rf /run/sshd
"$OOBCTL" up >/dev/null
ok $? "oobctl up"
privsep_ok
ok $? "... makes /run/sshd again"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers after up"

stop_oobd
done_testing
