# SPDX-License-Identifier: GPL-2.0-or-later
# A package upgrade puts a new sshd program in place under the same name
# (dpkg: written beside it, then renamed over it). The listener started
# from the old file is started again from the new one, so that it does not
# hand each connection to programs of another version; established
# sessions stay. The same file moved away and back restarts nothing. A new
# program that refuses the configured config is asked first about the
# last-good one too (no answer of the old program's is reused), and the
# built-in config runs; the next program is asked afresh and runs the
# configured config again. A start waiting after failures (the program
# missing) is made when the program is back. The same holds for a
# [service]'s program.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
REAL_SSHD=$(command -v sshd || echo /usr/sbin/sshd)
SBIN=$T/sbin
mkdir -p "$SBIN"
chmod 755 "$SBIN"
# install_prog SOURCE NAME: put SOURCE in place as $SBIN/NAME, as dpkg does.
install_prog() {
	cp "$1" "$SBIN/$2.dpkg-new" && chmod 755 "$SBIN/$2.dpkg-new" && mv -f "$SBIN/$2.dpkg-new" "$SBIN/$2"
}
install_sshd() { install_prog "$1" sshd; }
install_sshd "$REAL_SSHD"
# A new version of sshd that refuses a config carrying the marker line
# (as a new OpenSSH refuses an option the old one took); else the real one.
cat > "$T/sshd-refusing" <<EOF
#!/bin/sh
conf= prev=
for a; do [ "\$prev" = -f ] && conf=\$a; prev=\$a; done
if [ -n "\$conf" ] && grep -q '^# refused by the new sshd' "\$conf" 2>/dev/null; then
	echo "\$conf: line 1: Bad configuration option: refused" >&2
	echo "\$conf: terminating, 1 bad configuration options" >&2
	exit 255
fi
exec $REAL_SSHD "\$@"
EOF

make_nic
make_keys
# A host name among the addresses sshd listens on: oobd cannot read its
# sockets from the file, so it asks sshd -T before each start, and keeps
# the answer for that content.
write_sshd_config "# refused by the new sshd" "ListenAddress localhost" "ListenAddress 0.0.0.0"
write_nic_config "$T/oobd.conf"
echo "exec = $SBIN/sshd" >> "$T/oobd.conf" # [sshd] is the last section
# A [service] whose program is in the same directory.
cp /bin/sleep "$SBIN/sleeper"
printf '\n[service ticker]\nexec = %s 100000\n' "$SBIN/sleeper" >> "$T/oobd.conf"
export OOBD_DEBUG=1
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "oobd did not come up"

sshd_pid_new() { local p; p=$(sshd_pid); [ -n "$p" ] && [ "$p" != "$1" ] && kill -0 "$p" 2>/dev/null; }
source_is() { [ "$("$OOBCTL" status --json | jq -r '.services[0].config')" = "$1" ]; }
ready() { [ "$("$OOBCTL" status --json | jq -r '.services[0].state')" = up ]; }
runs_file() { [ "$(stat -L -c %i "/proc/$(sshd_pid)/exe" 2>/dev/null)" = "$(stat -c %i "$1")" ]; }

oob_ssh "$OOB4" "echo started; exec sleep 600" > "$T/session.out" 2>&1 &
SESSION=$!
wait_until 10 grep -q started "$T/session.out"
ok $? "an ssh session is open" || bail "no session"
pid1=$(sshd_pid)
ticker_pid() { pgrep -f "^$SBIN/sleeper 100000"; }
tick1=$(ticker_pid)
check "the service runs" -- test -n "$tick1"

# Moved away and back: the same file. Nothing restarts.
mark=$(log_mark)
mv "$SBIN/sshd" "$SBIN/sshd.away" && mv "$SBIN/sshd.away" "$SBIN/sshd"
wait_until 10 log_after "$mark" "sshd: its program $SBIN/sshd is the file it runs"
ok $? "moved back: oobd looks at the file once things are quiet"
is "$(sshd_pid)" "$pid1" "... and the listener runs on"
log_after "$mark" "was replaced"
ok $(( ! $? )) "... with no restart"

# Replaced by a new file: the listener is started from it.
mark=$(log_mark)
install_sshd "$REAL_SSHD"
wait_until 15 sshd_pid_new "$pid1" && wait_until 15 ssh_banner "$OOB4"
ok $? "replaced: a new listener answers"
like "$(cat "$T/oobd.log")" "sshd: its program $SBIN/sshd was replaced \\(a package upgrade\\?\\); restarting it" \
	"... and oobd says why"
check "... run from the new file" -- runs_file "$SBIN/sshd"
check "... with the configured config" -- source_is configured
wait_until 10 ready
ok $? "... and ready"
like "$(oob_ssh "$OOB4" echo in 2>&1)" "^in$" "... a new login works"
check "the session lives on" -- kill -0 "$SESSION"
is "$(ticker_pid)" "$tick1" "the service, whose program is another, runs on"
pid2=$(sshd_pid)

# The service's program replaced: the service is started from it.
mark=$(log_mark)
install_prog /bin/sleep sleeper
wait_until 15 eval '[ -n "$(ticker_pid)" ] && [ "$(ticker_pid)" != "$tick1" ]'
ok $? "the service's program replaced: the service runs anew"
check "... from the new file" -- test "$(stat -L -c %i "/proc/$(ticker_pid)/exe")" = "$(stat -c %i "$SBIN/sleeper")"
log_after "$mark" "ticker: its program $SBIN/sleeper was replaced"
ok $? "... and oobd says why"
is "$(sshd_pid)" "$pid2" "sshd runs on"

# A new program that refuses the configured config: the built-in one runs.
mark=$(log_mark)
install_sshd "$T/sshd-refusing"
wait_until 20 eval 'source_is built-in && ready'
ok $? "a new sshd that refuses the config: the built-in config runs, ready"
check "... started anew" -- sshd_pid_new "$pid2"
like "$("$OOBCTL" status --json | jq -r '.services[0].fallback_reason')" "Bad configuration option: refused" \
	"... status says why"
log_after "$mark" "last-good config .* exited before it was ready"
ok $(( ! $? )) "the last-good copy was not started on the old program's word: the new one was asked"
log_after "$mark" "rejects .*sshd_config.last-good|sshd_config.last-good.*(refus|reject)"
ok $? "... and refused it"
like "$(oob_ssh "$OOB4" echo in 2>&1)" "^in$" "a login works through the built-in config"
check "the session lives on" -- kill -0 "$SESSION"
pid3=$(sshd_pid)

# The next program is asked afresh: the configured config runs again.
install_sshd "$REAL_SSHD"
wait_until 20 eval 'sshd_pid_new '"$pid3"' && source_is configured && ready'
ok $? "the next program: the configured config runs again, ready"
check "... run from the new file" -- runs_file "$SBIN/sshd"
like "$(oob_ssh "$OOB4" echo in 2>&1)" "^in$" "a login works"
check "the first session lived through it all" -- kill -0 "$SESSION"
is "$(sshd_listeners | wc -l)" 1 "one listener"

# The program missing (part-way through an upgrade) and sshd dead, with
# no copy of a program that answered (a boot; with one, that one runs:
# supervise_program_lastgood.t): its starts fail, and wait longer each
# time. The program back: sshd starts then, not when the wait runs out.
remaining() { "$OOBCTL" status --json | jq -r '.services[0].backoff_remaining_ms'; }
rm -f /run/oobd/sshd.last-good
mv "$SBIN/sshd" "$T/sshd.saved"
kill -KILL "$(sshd_pid)"
wait_until 30 eval '[ "$(remaining)" -gt 3000 ]'
ok $? "the program missing: sshd's starts fail and back off (the next in over 3 s)"
mark=$(log_mark)
mv "$T/sshd.saved" "$SBIN/sshd"
wait_until 15 eval 'ready && ssh_banner "$OOB4"'
ok $? "the program back: sshd answers"
log_after "$mark" "a new program $SBIN/sshd for sshd: starting it in 1000 ms, not in"
ok $? "... started when the program came, not when the wait ran out"

kill "$SESSION" 2>/dev/null
stop_oobd
done_testing
