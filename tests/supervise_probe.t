#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The sshd supervisor's readiness probe, when something other than sshd
# stands in its way. A [firewall] file that lets ssh in on the NIC but does
# not accept loopback (the probe connects to a wildcard listener through
# 127.0.0.1) stops every probe: sshd, listening and serving, is taken as
# ready after the probe's 5 s, with a warning and a status problem, and is
# not restarted between the configured config and the fallbacks. A
# firewall update that lets the probe through clears the problem; one that
# stops it again brings it back, sshd staying up. A listener that accepts
# the probe but shows no banner still has its config marked failed.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
make_nic
make_keys
write_sshd_config

# rules FILE [RULE...]: INPUT dropped but for replies, ssh on oob0, and RULEs.
rules() {
	local f=$1; shift
	printf '%s\n' '*filter' ':INPUT DROP [0:0]' ':FORWARD DROP [0:0]' ':OUTPUT ACCEPT [0:0]' "$@" \
		'-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT' \
		'-A INPUT -i oob0 -p tcp --dport 22 -j ACCEPT' 'COMMIT' > "$f"
	chmod 600 "$f"
}
rules "$T/v4.rules"
rules "$T/v6.rules"
write_nic_config "$T/oobd.conf" '[firewall]' "ipv4 = $T/v4.rules" "ipv6 = $T/v6.rules"

js() { "$OOBCTL" status --json | jq -r "$1"; }
blocked_is() { [ "$(js '.services[0].probe_blocked')" = "$1" ]; }
starts() { grep -c '^<6>sshd started' "$T/oobd.log"; }

start_oobd "$T/oobd.conf"
wait_until 15 log_has '^<4>sshd \(pid [0-9]+\) listens on 0\.0\.0\.0 port 22, but its readiness probe through loopback never got a connection within 5000 ms: .*must accept -i lo\); taking sshd as ready$'
ok $? "no loopback in the firewall: sshd listening is taken as ready, with a warning naming the cause" ||
	bail "sshd was not taken as ready"
pid=$(sshd_pid)
log_has '^<6>sshd ready \(pid '"$pid"', configured config'
ok $? "ready with the configured config"
! log_has 'showed no SSH banner|marking it failed|instead of'
ok $? "no config was judged failed, none replaced"
is "$(starts)" 1 "sshd was started once"
wait_until 10 test -s /run/oobd/sshd_config.last-good
ok $? "the config became the last-good one"
is "$(oob_ssh "$OOB4" echo in-oob 2>&1)" "in-oob" "ssh from the admin side works"
out=$("$OOBCTL" status 2>&1)
is "$?" 1 "oobctl status: degraded"
like "$out" "! sshd listens, but oobd's probe through loopback gets no connection: the namespace's firewall must accept -i lo" \
	"oobctl status names the problem"
like "$out" "sshd +up +pid $pid," "oobctl status: sshd is up"
check "status --json: probe_blocked is true" -- blocked_is true

# The firewall lets loopback in: the probe is tried again and gets through.
rules "$T/v4.rules" '-A INPUT -i lo -j ACCEPT'
"$OOBCTL" reload >/dev/null
wait_until 10 log_has '^<5>sshd readiness probe gets through now \(pid '"$pid"'\)$'
ok $? "after a firewall update that accepts loopback, the probe gets through"
check "oobctl status: healthy" -- wait_until 5 "$OOBCTL" status
check "status --json: probe_blocked is false" -- blocked_is false
is "$(sshd_pid)" "$pid" "the same sshd listener throughout"

# Stopped again: the problem comes back, sshd stays.
rules "$T/v4.rules"
mark=$(log_mark)
"$OOBCTL" reload >/dev/null
wait_until 15 log_after "$mark" '^<4>sshd \(pid '"$pid"'\) listens on .* it stays up$'
ok $? "a firewall update that stops the probe again is noticed; sshd stays up"
check "status --json: probe_blocked is true again" -- blocked_is true
is "$(sshd_pid)" "$pid" "the same sshd listener"
is "$(starts)" 1 "sshd was never started again"
stop_oobd

# A listener that takes the probe's connection and never shows a banner is
# not sshd doing its job: its config fails. (The program
# stands in for sshd's daemon start only; sshd -t/-T go to the real one.)
cat > "$T/mute-sshd" <<'EOF'
#!/bin/sh
case " $* " in *" -T "*|*" -t "*) exec /usr/sbin/sshd "$@" ;; esac
exec python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 22))
s.listen(16)
held = []
while True:
    held.append(s.accept()[0])
'
EOF
chmod 0700 "$T/mute-sshd"
rules "$T/v4.rules" '-A INPUT -i lo -j ACCEPT'
write_nic_config "$T/mute.conf" '[firewall]' "ipv4 = $T/v4.rules" "ipv6 = $T/v6.rules"
sed -i "s|^\[sshd\]$|[sshd]\nexec = $T/mute-sshd|" "$T/mute.conf"
mark=$(log_mark)
start_oobd "$T/mute.conf"
wait_until 20 log_after "$mark" '^<3>sshd \(pid [0-9]+\) with the configured config .* showed no SSH banner within 5000 ms; marking it failed$'
ok $? "a listener that shows no banner: the config is marked failed"
! log_after "$mark" 'taking sshd as ready'
ok $? "and it is not taken as ready"
stop_oobd
done_testing
