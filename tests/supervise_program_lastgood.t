#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The sshd program is what is broken: the package removed by mistake, a
# file that is no executable any more (cut short by a full disk, a foreign
# file in its place), one that fails as it starts (a library it needs is
# gone), one that others can change. Once sshd has answered, oobd keeps a
# copy of the program that answered (/run/oobd/sshd.last-good); a start
# that cannot run the configured program runs the copy, and logins work.
# Status says so (a problem, the program and why, a metric). The program
# put back restarts sshd with it.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
[ -x "$OOBCTL" ] || bail "$OOBCTL not built (run make)"
COPY=/run/oobd/sshd.last-good
PROG=$T/bin/sshd
sshd_js() { "$OOBCTL" status --json | jq -r ".services[] | select(.name == \"sshd\") | $1"; }
# put_program FILE: FILE (mode 0755) in place under the program's name, as
# a package does (a new file renamed over it).
put_program() {
	cp "$1" "$PROG.new" && chmod 0755 "$PROG.new" && mv -f "$PROG.new" "$PROG"
}
# on_copy WHY: sshd's next start runs the copy, saying WHY (a regex), and
# lets the admin in.
on_copy() {
	wait_until 15 log_after "$mark" "starting sshd from the last-good copy $COPY of its program: $1"
	ok $? "the next start runs the copy, saying why ($1)" || return
	wait_until 15 log_after "$mark" "^<6>sshd ready \(pid [0-9]+, .* config"
	ok $? "... and sshd is ready"
	is "$(oob_ssh "$OOB4" echo reached 2>&1)" reached "... and lets the admin in"
	is "$(sshd_js .program)" "$COPY" "status: sshd's program is the copy"
	like "$(sshd_js .program_fallback_reason)" "$1" "status: ... and why"
}
# back: the real program put back; sshd restarted with it.
back() {
	mark=$(log_mark)
	put_program /usr/sbin/sshd
	wait_until 15 log_after "$mark" "^<6>sshd ready \(pid [0-9]+, configured config"
	ok $? "the program put back: sshd is restarted with it" || return
	is "$(sshd_js .program)" "$PROG" "status: sshd's program is the configured one again"
	is "$(sshd_js .program_fallback_reason)" null "status: ... with no reason"
}

make_nic
make_keys
write_sshd_config
mkdir -m 0755 "$T/bin"
put_program /usr/sbin/sshd
write_nic_config "$T/oobd.conf"
sed -i "s|^\[sshd\]$|&\nexec = $PROG\nbackoff_max = 1|" "$T/oobd.conf"
grep -q "^exec = $PROG$" "$T/oobd.conf" || bail "no exec in the config"
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "oobd did not come up"
wait_until 10 log_has "kept a copy of the sshd program $PROG as $COPY"
ok $? "a copy of the program that answered is kept"
cmp -s "$PROG" "$COPY"
ok $? "... the same bytes"
is "$(stat -c '%u %a' "$COPY")" "0 700" "... root's, mode 0700"
is "$(sshd_js .program)" "$PROG" "status: sshd's program is the configured one"
is "$(sshd_js .program_fallback_reason)" null "status: ... with no reason"
"$OOBCTL" metrics > "$T/metrics"
grep -qx "oobd_sshd_program_fallback 0" "$T/metrics"
ok $? "metric oobd_sshd_program_fallback is 0"

# --- the package removed, sshd killed ---
mark=$(log_mark)
rm -f "$PROG"
kill -KILL "$(sshd_pid)"
on_copy "$PROG: No such file or directory"
like "$("$OOBCTL" status)" "sshd runs the last-good copy $COPY of its program, not $PROG: $PROG: No such file" \
	"status shows it as a problem"
"$OOBCTL" status >/dev/null
is "$?" 1 "oobctl status exits 1 (degraded)"
"$OOBCTL" metrics > "$T/metrics"
grep -qx "oobd_sshd_program_fallback 1" "$T/metrics"
ok $? "metric oobd_sshd_program_fallback is 1"
back
log_after "$mark" "starting sshd from its program $PROG again"
ok $? "... saying so"

# --- a file that is no executable in its place: the exec fails ---
mark=$(log_mark)
printf 'not a program\n' > "$T/foreign"
put_program "$T/foreign"
wait_until 15 log_after "$mark" "starting sshd: $PROG: Exec format error"
ok $? "a foreign file put in place: sshd is restarted with it, and its exec fails"
on_copy "$PROG: Exec format error"
back

# --- one that fails as it starts, as without a library it needs ---
mark=$(log_mark)
printf '#!/bin/sh\necho "sshd: error while loading shared libraries: libcrypto.so.3: cannot open shared object file" >&2\nexit 127\n' \
	> "$T/nolib"
put_program "$T/nolib"
on_copy "no sshd config passes sshd -T with $PROG"
back

# --- one that crashes as it starts ---
mark=$(log_mark)
printf '#!/bin/sh\nkill -SEGV $$\n' > "$T/crash"
put_program "$T/crash"
wait_until 15 log_after "$mark" "crashed before it was ready; marking it failed"
ok $? "a program that crashes as it starts fails the start"
on_copy "no sshd config passes sshd -T with $PROG"
back

# --- one that others can change: not run, the copy is ---
mark=$(log_mark)
chmod 0775 "$PROG"
kill -KILL "$(sshd_pid)"
on_copy "unsafe sshd program: $PROG is group-writable"
mark=$(log_mark)
chmod 0755 "$PROG"
"$OOBCTL" restart sshd >/dev/null
wait_until 15 log_after "$mark" "starting sshd from its program $PROG again"
ok $? "made safe again: the next start runs it"
stop_oobd
done_testing
