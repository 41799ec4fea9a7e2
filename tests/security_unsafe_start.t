#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A start (a boot) with a file of the config that others than root can
# change (an Ansible role's chmod, a package's mode): the path comes up
# without that file. Each stops only what depends on it:
# - an sshd config: sshd runs the built-in config, which takes nothing from
#   it but its ports (not its host key, not its authorized keys);
# - a file it names (authorized keys, a forced command under a Match) made
#   unsafe while oobd runs: sshd's next start, the last-good copy that
#   names it too is passed over;
# - a firewall file: the built-in ruleset;
# - a program (a [service]'s, sshd's): not run, not even as sshd -T, until
#   only root can change it; then it starts on its backoff schedule. A
#   missing sshd program likewise starts once it is there.
# oobd -t and a reload still refuse all of them; made safe again (a chmod
# that changes no content), each is used at its next start.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
[ -x "$OOBCTL" ] || bail "$OOBCTL not built (run make)"
js() { "$OOBCTL" status --json | jq -r "$1"; }
svc_js() { js ".services[] | select(.name == \"$1\") | $2"; }
svc_is() { [ "$(svc_js "$1" "$2")" = "$3" ]; }
refused() { [ "$(svc_js "$1" .start_error)" != null ]; }
host_key_of() { ssh-keygen -lf "$1" | awk '{ print $2 }'; }
host_key_shown() {
	ip netns exec admin ssh-keyscan -t ed25519 "$OOB4" 2>/dev/null | ssh-keygen -lf - | awk '{ print $2 }'
}
# sshd_next_start HOW CONFIG: sshd stopped by HOW ("kill": SIGKILL,
# "restart": oobctl restart sshd) starts again with CONFIG ("built-in",
# "configured"); the log from there is after $mark.
sshd_next_start() {
	mark=$(log_mark)
	case $1 in
	kill) kill -KILL "$(sshd_pid)" ;;
	restart) "$OOBCTL" restart sshd >/dev/null ;;
	esac
	wait_until 15 log_after "$mark" "^<6>sshd ready \(pid [0-9]+, $2 config"
}

make_nic
make_keys
write_sshd_config
ssh-keygen -q -t ed25519 -N '' -C oob-host -f "$T/ssh_host_ed25519_key"
write_nic_config "$T/oobd.conf"
sed -i 's|^\[sshd\]$|&\nbackoff_max = 1|' "$T/oobd.conf"
grep -q '^backoff_max = 1$' "$T/oobd.conf" || bail "no backoff_max in the config"

# --- an sshd config others can write ---
chmod 0660 "$T/sshd_config"
OUT=$("$OOBD" -t -c "$T/oobd.conf" 2>&1)
is "$?" 1 "oobd -t refuses a group-writable sshd config"
like "$OUT" "^$T/oobd.conf: a start would still run it, with a fallback for each part refused above" \
	"... and says that a start would still run the config"

start_oobd "$T/oobd.conf"
wait_until 20 ssh_banner "$OOB4"
ok $? "a start with it brings the path up: sshd answers" || bail "oobd did not come up"
wait_until 10 sshd_ready
log=$(cat "$T/oobd.log")
like "$log" "warning: unsafe sshd config: $T/sshd_config is group-writable \(mode 0660\) .*\(sshd runs with the last-good or built-in config\)" \
	"the start warns, naming the file and what it does instead"
like "$log" "not starting sshd with the configured sshd config $T/sshd_config: unsafe sshd config: $T/sshd_config is group-writable" \
	"sshd is not started with it"
is "$(svc_js sshd .config)" built-in "status: sshd runs with the built-in config"
like "$(svc_js sshd .fallback_reason)" "^unsafe sshd config: $T/sshd_config is group-writable" "status says why"
like "$("$OOBCTL" status)" "sshd runs with the built-in config, not the configured one: unsafe sshd config" \
	"... and shows it as a problem"
unlike "$(cat /run/oobd/sshd_config.builtin)" "$T/" \
	"the built-in config names none of its files (host key, authorized keys)"
like "$(cat /run/oobd/sshd_config.builtin)" "^AuthorizedKeysFile /etc/oobd/authorized_keys$" \
	"... only the oob authorized keys"
is "$(host_key_shown)" "$(host_key_of /run/oobd/ssh_host_ed25519_key.pub)" \
	"sshd shows the built-in host key, not the one the unsafe config names"
like "$(oob_ssh "$OOB4" echo in 2>&1)" 'Permission denied \(publickey\)' \
	"a key of the authorized keys file it names does not log in"
ip -n oob -4 addr show dev oob0 | grep -q "$OOB4/24"
ok $? "the NIC is configured"

chmod 0600 "$T/sshd_config"
mark=$(log_mark)
kill -HUP "$OOBD_PID"
wait_until 15 log_after "$mark" '^<6>sshd ready \(pid [0-9]+, configured config'
ok $? "made safe with a chmod (its content unchanged), then a reload: sshd runs the configured config"
log_after "$mark" "the files of the configured sshd config $T/sshd_config are safe again"
ok $? "... saying so"
rm -f "$T/known_hosts" # it holds the built-in host key now
like "$(oob_ssh "$OOB4" echo in 2>&1)" '^in$' "... and the admin logs in"
is "$(host_key_shown)" "$(host_key_of "$T/ssh_host_ed25519_key.pub")" "... to the configured host key"
is "$(svc_js sshd .fallback_reason)" null "status: no fallback reason any more"
wait_until 10 test -e /run/oobd/sshd_config.last-good
ok $? "the configured config is kept as the last-good one"

# --- a file it names, made unsafe while oobd runs ---
chmod 0606 "$T/authorized_keys"
sshd_next_start kill built-in
ok $? "authorized keys made world-writable, sshd killed: its next start runs the built-in config"
log_after "$mark" "not starting sshd with the configured sshd config $T/sshd_config: unsafe authorized keys \(AuthorizedKeysFile\): $T/authorized_keys is world-writable"
ok $? "... the configured config is passed over, saying why"
log_after "$mark" "not starting sshd with the last-good sshd config /run/oobd/sshd_config.last-good: unsafe authorized keys"
ok $? "... and the last-good copy, which names the same file"
chmod 0600 "$T/authorized_keys"
sshd_next_start restart configured
ok $? "made safe again: the configured config at the next start"

# A reload with an unsafe file refuses the reload, as before.
chmod 0660 "$T/sshd_config"
mark=$(log_mark)
kill -HUP "$OOBD_PID"
wait_until 10 log_after "$mark" "unsafe sshd config: $T/sshd_config is group-writable"
ok $? "a reload refuses a group-writable sshd config"
unlike "$(tail -n +"$((mark + 1))" "$T/oobd.log")" "warning: unsafe sshd config" "... as a problem, not a warning"
chmod 0600 "$T/sshd_config"
stop_oobd

# --- a firewall file, a [service] program ---
cp "$SRC_DIR/conf/firewall-v4.rules" "$T/fw4.rules"
chmod 0664 "$T/fw4.rules"
cp /bin/sleep "$T/prog"
chmod 0775 "$T/prog"
cp "$T/oobd.conf" "$T/more.conf"
printf '[firewall]\nipv4 = %s\n[service helper]\nexec = %s 1000\nbackoff_max = 1\n' "$T/fw4.rules" "$T/prog" \
	>> "$T/more.conf"
OUT=$("$OOBD" -t -c "$T/more.conf" 2>&1)
is "$?" 1 "oobd -t refuses a group-writable firewall file and [service] program"
like "$OUT" "unsafe firewall rules: $T/fw4.rules is group-writable" "... naming the firewall file"
like "$OUT" "unsafe program of \[service helper\]: $T/prog is group-writable" "... and the program"

mark=$(log_mark)
start_oobd "$T/more.conf"
wait_until 20 ssh_banner "$OOB4"
ok $? "a start with them brings the path up: sshd answers" || bail "oobd did not come up"
is "$(svc_js sshd .config)" configured "... with the configured sshd config"
wait_until 10 refused helper
like "$(svc_js helper .start_error)" "^refusing to run $T/prog: $T/prog is group-writable \(mode 0775\)$" \
	"status: the service's program is refused, and why"
like "$(svc_js helper .state)" '^backoff$' "... the service waits"
like "$("$OOBCTL" status)" "service helper is backoff \(refusing to run $T/prog" "... a problem"
pgrep -f "^$T/prog" >/dev/null
ok $((!$?)) "... its program does not run"
log_after "$mark" "warning: unsafe program of \[service helper\]: $T/prog is group-writable .*\(it is started once it can be\)"
ok $? "the start warns about the program"
log_after "$mark" "warning: unsafe firewall rules: $T/fw4.rules is group-writable .*\(the built-in ruleset is put in place instead\)"
ok $? "... and the firewall file"
is "$(js .firewall.ipv4.source)" built-in "status: the built-in IPv4 ruleset is in place"
like "$(js .firewall.ipv4.why)" "^refusing $T/fw4.rules: $T/fw4.rules is group-writable" "... and says why"

chmod 0755 "$T/prog"
wait_until 15 svc_is helper .state up
ok $? "the program made safe: the service starts on its backoff schedule"
is "$(svc_js helper .start_error)" null "... and status forgets the refusal"
is "$(svc_js helper .restarts)" 0 "... and counted no restart: nothing ran before"
chmod 0644 "$T/fw4.rules"
mark=$(log_mark)
kill -HUP "$OOBD_PID"
wait_until 10 log_after "$mark" 'reload done'
is "$(js .firewall.ipv4.source)" file "the firewall file made safe: a reload puts it in place"
stop_oobd

# --- sshd's program: others can change it, or it is missing ---
printf '#!/bin/sh\necho "$*" >> %s/wrapper-ran\nexec /usr/sbin/sshd "$@"\n' "$T" > "$T/sshd-wrapper"
chmod 0775 "$T/sshd-wrapper"
sed "s|^\[sshd\]$|&\nexec = $T/sshd-wrapper|" "$T/oobd.conf" > "$T/exec.conf"
# A boot: no copy of a program that answered yet (that one would run
# instead: supervise_program_lastgood.t).
rm -f /run/oobd/sshd.last-good
mark=$(log_mark)
start_oobd "$T/exec.conf"
wait_until 20 refused sshd
like "$(svc_js sshd .start_error)" "^refusing to run $T/sshd-wrapper: $T/sshd-wrapper is group-writable" \
	"a group-writable sshd program: status says it is refused"
ip -n oob -4 addr show dev oob0 | grep -q "$OOB4/24"
ok $? "... the rest of the path is up"
[ ! -e "$T/wrapper-ran" ]
ok $? "... and it never ran (not even as sshd -T)"
log_after "$mark" "warning: unsafe sshd program: $T/sshd-wrapper is group-writable .*\(sshd is started once it can be\)"
ok $? "the start warns about it"
chmod 0755 "$T/sshd-wrapper"
wait_until 15 ssh_banner "$OOB4"
ok $? "made safe: sshd starts on its backoff schedule and answers"
is "$(svc_js sshd .start_error)" null "... and status forgets the refusal"
is "$(svc_js sshd .restarts)" 0 "... and counted no restart: nothing ran before"
stop_oobd

sed "s|^\[sshd\]$|&\nexec = $T/sshd-later|" "$T/oobd.conf" > "$T/later.conf"
rm -f /run/oobd/sshd.last-good
mark=$(log_mark)
start_oobd "$T/later.conf"
wait_until 20 refused sshd
like "$(svc_js sshd .start_error)" "$T/sshd-later: No such file or directory" \
	"a missing sshd program: the path starts, status says why sshd does not run"
log_after "$mark" "warning: sshd program $T/sshd-later: No such file or directory \(sshd is started once it can be\)"
ok $? "... and the start warned"
cp /usr/sbin/sshd "$T/sshd-later"
wait_until 15 ssh_banner "$OOB4"
ok $? "once it is there, sshd starts and answers"
stop_oobd

# --- what the files of an sshd config include: host keys, principals ---
chown nobody "$T/ssh_host_ed25519_key"
OUT=$("$OOBD" -t -c "$T/oobd.conf" 2>&1)
is "$?" 1 "oobd -t refuses a host key another user owns"
like "$OUT" "unsafe host key \(HostKey in $T/sshd_config\): $T/ssh_host_ed25519_key is owned by uid [0-9]+, not root" \
	"... naming it and the config that names it"
chown root "$T/ssh_host_ed25519_key"
mkdir -m 0777 /run/open
write_sshd_config "HostKey /run/open/ssh_host_rsa_key" "AuthorizedPrincipalsFile $T/principals"
: > "$T/principals"
chmod 0666 "$T/principals"
OUT=$("$OOBD" -t -c "$T/oobd.conf" 2>&1)
like "$OUT" "unsafe host key directory \(HostKey in $T/sshd_config\): directory /run/open is world-writable" \
	"... a host key to be made in a world-writable directory"
like "$OUT" "unsafe authorized principals \(AuthorizedPrincipalsFile in $T/sshd_config\): $T/principals is world-writable" \
	"... a world-writable authorized principals file"
mark=$(log_mark)
start_oobd "$T/oobd.conf"
wait_until 20 ssh_banner "$OOB4"
ok $? "a start with that sshd config brings the path up" || bail "oobd did not come up"
is "$(svc_js sshd .config)" last-good "... with the last-good sshd config (kept above), not the configured one"
[ ! -e /run/open/ssh_host_rsa_key ]
ok $? "... and no host key was made in the world-writable directory"
stop_oobd

# --- a program a login runs as root: ForceCommand under a Match ---
printf '#!/bin/sh\necho forced >> %s\necho forced\n' "$T/forced.ran" > "$T/forced"
chmod 0755 "$T/forced"
write_sshd_config "Match User root" "ForceCommand $T/forced"
start_oobd "$T/oobd.conf"
wait_until 20 ssh_banner "$OOB4"
ok $? "a start with a forced command only root can change brings the path up" || bail "oobd did not come up"
is "$(oob_ssh "$OOB4" true)" forced "... and a root login runs it"
chmod 0777 "$T/forced"
sshd_next_start kill built-in
ok $? "the forced command made world-writable, sshd killed: its next start runs the built-in config"
log_after "$mark" "not starting sshd with the configured sshd config $T/sshd_config: unsafe forced command \(ForceCommand\): $T/forced is world-writable"
ok $? "... passing over the configured config, saying why"
rm -f "$T/forced.ran"
oob_ssh "$OOB4" true >/dev/null 2>&1
[ ! -e "$T/forced.ran" ]
ok $? "... and a login attempt does not run the program"
chmod 0755 "$T/forced"
sshd_next_start restart configured
ok $? "made safe again: the configured config at the next start"
is "$(oob_ssh "$OOB4" true)" forced "... and a root login runs the forced command again"
stop_oobd
done_testing
