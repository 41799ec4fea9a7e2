# SPDX-License-Identifier: GPL-2.0-or-later
# An sshd config that includes others is read as sshd reads it: a host key
# named only in an included file is generated; a change in an included file
# alone is a change (SIGHUP restarts the listener on the new port, and the
# readiness probe knocks on it); the last-good copy takes its included
# files with it, so an included file broken later does not break the
# fallback; an unsafe or unreadable included file is reported as
# "FILE:LINE: key 'config': ..." by oobd -t; a directory an Include matches is
# read as empty, and what follows "Match all" counts for every connection,
# as sshd reads them.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

make_nic
make_keys
# The shipped config without its Port line: the port comes from the
# included file.
write_sshd_config "Include $T/sshd.d/*.conf"
sed -i '/^Port /d' "$T/sshd_config"
mkdir -m 0700 "$T/sshd.d"
include() { # include PORT [EXTRA-LINE]
	printf 'Port %s\nHostKey %s/ssh_host_ecdsa_key\n%s\n' "$1" "$T" "${2:-}" > "$T/sshd.d/10-port.conf.new"
	chmod 0600 "$T/sshd.d/10-port.conf.new"
	mv "$T/sshd.d/10-port.conf.new" "$T/sshd.d/10-port.conf"
}
include 2222
write_nic_config "$T/oobd.conf"

banner_on() { ssh_banner "$OOB4" "$1"; } # banner_on PORT: sshd's banner at $OOB4:PORT, from the admin side
ready_after() { wait_until 15 log_after "$1" "^<6>sshd ready \\(pid [0-9]+, $2 config"; }

check "oobd -t accepts the config and what it includes" -- "$OOBD" -t -c "$T/oobd.conf"

mark=$(log_mark)
start_oobd "$T/oobd.conf"
wait_until 15 banner_on 2222
ok $? "sshd answers on the port set in the included file" || bail "oobd did not come up"
ready_after "$mark" configured
ok $? "the readiness probe found it there: ready with the configured config"
test -s "$T/ssh_host_ecdsa_key"
ok $? "the host key named only in the included file was generated"
banner_on 22
ok $(( ! $? )) "nothing answers on port 22"

# --- the last-good copy stands alone ---
wait_until 10 test -s /run/oobd/sshd_config.last-good
ok $? "the config that reached its banner is kept as the last-good one"
copies=$(ls /run/oobd/sshd_config.last-good.d 2>/dev/null | wc -l)
is "$copies" 1 "the included file is copied beside it"
like "$(cat /run/oobd/sshd_config.last-good)" "^Include \"/run/oobd/sshd_config.last-good.d/[0-9a-f]{16}\.conf\"$" \
	"the copy includes the copy, not the live file"

# --- a change in the included file alone is a change ---
include 2223
p=$(sshd_pid)
mark=$(log_mark)
kill -HUP "$OOBD_PID"
wait_until 15 log_after "$mark" 'sshd configuration changed; restarting the sshd listener'
ok $? "SIGHUP after the included file changed: the listener restarts"
ready_after "$mark" configured
ok $? "... and is ready with the configured config (the probe knocked on the new port)"
wait_until 15 banner_on 2223
ok $? "sshd answers on the new port"
banner_on 2222
ok $(( ! $? )) "... and no longer on the old one"
like "$(oob_ssh "$OOB4" -p 2223 echo on-2223 2>&1)" "^on-2223$" "ssh login works on the new port"
wait_until 10 eval 'grep -q "^Port 2223" /run/oobd/sshd_config.last-good.d/*.conf'
ok $? "the last-good copy follows"
is "$(ls /run/oobd/sshd_config.last-good.d | wc -l)" 1 "the copy of the old included file is gone"

# --- the included file breaks: a reload is refused; then the last-good copy does not read it ---
include 2224 "ThisIsNotAnSshdOption yes"
p=$(sshd_pid)
mark=$(log_mark)
kill -HUP "$OOBD_PID"
wait_until 15 log_after "$mark" '^<3>reload: sshd -t rejects the new sshd config; nothing changed'
ok $? "SIGHUP after the included file broke: the reload is refused"
log_after "$mark" "^<3>$T/sshd.d/10-port.conf:[0-9]+: .*ThisIsNotAnSshdOption"
ok $? "... and the log names the included file's line"
is "$(sshd_pid)" "$p" "the listener is kept"
mark=$(log_mark)
kill -KILL "$p"
wait_until 15 log_after "$mark" '^<3>sshd -T rejects the configured sshd config .*ThisIsNotAnSshdOption'
ok $? "sshd killed: sshd -T rejects the config whose included file broke, and the log says why"
ready_after "$mark" last-good
ok $? "sshd is ready with the last-good config"
banner_on 2223
ok $? "it answers on the port of the last config that worked"
like "$(oob_ssh "$OOB4" -p 2223 echo fallback 2>&1)" "^fallback$" "ssh login works through the fallback"
grep -rq ThisIsNotAnSshdOption /run/oobd/sshd_config.last-good /run/oobd/sshd_config.last-good.d
ok $(( ! $? )) "the broken line did not reach the last-good copy"

# --- repaired: back to the configured config ---
include 2223
mark=$(log_mark)
kill -HUP "$OOBD_PID"
ready_after "$mark" configured
ok $? "included file repaired, SIGHUP: ready with the configured config again"

# --- "Match all": what follows applies to every connection again ---
printf 'HostKey %s/ssh_host_ecdsa_key\nMatch User nobody\nX11Forwarding no\nMatch all\nPort 2226\n' "$T" \
	> "$T/sshd.d/10-port.conf"
mark=$(log_mark)
kill -HUP "$OOBD_PID"
ready_after "$mark" configured
ok $? "the port after a Match all, SIGHUP: ready with the configured config"
wait_until 15 banner_on 2226
ok $? "... the built-in firewall lets in that port, and sshd answers on it"
stop_oobd

# --- oobd -t judges the included files too ---
include 2223
chmod 0664 "$T/sshd.d/10-port.conf"
OUT=$("$OOBD" -t -c "$T/oobd.conf" 2>&1)
ok $(( $? == 1 ? 0 : 1 )) "oobd -t refuses a group-writable included file"
sshd_line=$(grep -n '^config = ' "$T/oobd.conf" | cut -d: -f1)
like "$OUT" "^$T/oobd.conf:$sshd_line: key 'config': unsafe sshd config \(included by $T/sshd_config\): $T/sshd.d/10-port.conf is group-writable" \
	"... naming FILE:LINE, the included file and why"
chmod 0600 "$T/sshd.d/10-port.conf"
# A directory the pattern matches: sshd reads it as an empty file.
mkdir "$T/sshd.d/20-dir.conf"
check "a directory the Include matches: oobd -t accepts the config, as sshd -t does" -- "$OOBD" -t -c "$T/oobd.conf"
rmdir "$T/sshd.d/20-dir.conf"

done_testing
