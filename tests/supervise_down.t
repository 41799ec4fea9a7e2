# SPDX-License-Identifier: GPL-2.0-or-later
# "oobd --down": refused while oobd runs; with oobd stopped it hands the
# NIC (matched by MAC, renamed oob0 inside) back to the main namespace under
# its original name and removes the namespace (it needs no sshd config for
# that); a new oobd claims it again. A namespace renamed in the config since
# the path was set up is not torn down, and oobd --down says why.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

make_nic
make_keys
write_sshd_config
write_config "$T/oobd.conf" <<EOF
[interface]
match = mac:$NIC_MAC
rename = oob0
address = $OOB4/24
[dns]
nameserver = 203.0.113.53
EOF
# A service that ignores SIGTERM: stopping oobd must not hang on it.
cat >> "$T/oobd.conf" <<EOF

[service stubborn]
exec = /bin/sh -c 'trap "" TERM; while :; do sleep 0.5; done'
EOF

in_main() { ip -o link show "$NIC" 2>/dev/null | grep -q "link/ether $NIC_MAC"; }
ns_listed() { ip netns list | grep -qw oob; }

start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "oobd did not come up"
in_main
ok $(( ! $? )) "the NIC ($NIC) left the main namespace"
like "$(ip -n oob -o link show oob0 2>&1)" "link/ether $NIC_MAC" "it is oob0 in namespace oob"
idx=$(ip -n oob -o link show oob0 | cut -d: -f1)

# --- refused while oobd runs ---
out=$("$OOBD" --down -c "$T/oobd.conf" 2>&1)
st=$?
ok $(( st != 0 ? 0 : 1 )) "oobd --down while oobd runs fails (exit $st)"
like "$out" "another oobd is running \(pid $OOBD_PID\)" "... saying oobd is running, with its pid"
ns_listed
ok $? "... and the namespace is still there"
is "$(ip -n oob -o link show oob0 2>/dev/null | cut -d: -f1)" "$idx" "... and so is the NIC in it"
like "$(oob_ssh "$OOB4" echo up 2>&1)" "^up$" "... and ssh works"
kill -0 "$OOBD_PID"
ok $? "... and oobd still runs"

# --- with oobd stopped ---
wait_until 10 log_has '^<6>stubborn started \(pid [0-9]+\)'
stubborn=$(sed -n 's/^<6>stubborn started (pid \([0-9]*\))$/\1/p' "$T/oobd.log" | tail -n 1)
kill -0 "$stubborn"
ok $? "the service that ignores SIGTERM runs (pid $stubborn)"
kill -TERM "$OOBD_PID"
wait_until 20 eval '! kill -0 '"$OOBD_PID"' 2>/dev/null'
ok $? "SIGTERM: oobd exits although a service ignores SIGTERM"
wait "$OOBD_PID" 2>/dev/null
OOBD_PID=
log_has "^<4>stubborn \(pid $stubborn\) did not stop in time; killing it"
ok $? "the log says the stubborn service was killed"
kill -0 "$stubborn" 2>/dev/null
ok $(( ! $? )) "the stubborn service is gone"
ns_listed
ok $? "oobd stopped: the namespace stays"
# Tearing down needs only the namespace and the NIC: not the sshd config.
mv "$T/sshd_config" "$T/sshd_config.away"
out=$("$OOBD" --down -c "$T/oobd.conf" 2>&1)
st=$?
mv "$T/sshd_config.away" "$T/sshd_config"
is "$st" 0 "oobd --down succeeds" || printf '%s\n' "$out" | sed 's/^/#   /'
like "$out" "handed oob0 back to the main namespace as $NIC" "it says it handed the NIC back"
in_main
ok $? "the NIC is back in the main namespace as $NIC, with its MAC"
is "$(ip -o link show "$NIC" 2>/dev/null | cut -d: -f1)" "$idx" "it is the same link (ifindex $idx)"
ns_listed
ok $(( ! $? )) "the namespace name is gone from ip netns list"
test -e /run/netns/oob
ok $(( ! $? )) "/run/netns/oob is gone"
test -e /etc/netns/oob/resolv.conf
ok $(( ! $? )) "the resolv.conf overlay is gone"
test -e /run/oobd/nic.name
ok $(( ! $? )) "the remembered original name is gone"
is "$(sshd_listeners | wc -l)" 0 "no sshd listener runs"

out=$("$OOBD" --down -c "$T/oobd.conf" 2>&1)
is "$?" 0 "oobd --down again: nothing to do, success"
like "$out" "does not exist; nothing to tear down" "... it says so"

# --- a new oobd claims it again ---
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "a new oobd: sshd answers"
like "$(ip -n oob -o link show oob0 2>&1)" "link/ether $NIC_MAC" "the NIC is oob0 in namespace oob again"
like "$(oob_ssh "$OOB4" echo again 2>&1)" "^again$" "ssh works"

# --- the namespace renamed in the config while the path is up: said ---
stop_oobd
sed -i 's/^name = oob$/name = oob2/' "$T/oobd.conf"
out=$("$OOBD" --down -c "$T/oobd.conf" 2>&1)
is "$?" 0 "oobd --down with the namespace renamed in the config: nothing to tear down"
like "$out" "/run/oobd/nic.name says oobd took the NIC $NIC and has not handed it back" \
	"... but it says the NIC it took is still out, and why that may be"
ns_listed
ok $? "the namespace set up with the old name stays"
done_testing
