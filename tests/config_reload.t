#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Config values that must take effect as written, at start-up and on a
# reload:
# - a gateway reachable only through an on-link route of the same file:
#   the on-link routes go in first, so no start-up logs a refused route;
# - [dns] removed: the resolv.conf overlay that oobd wrote goes (one the
#   administrator wrote stays), also when the path is taken down later by
#   a config without [dns];
# - a lower backoff_max: a service that keeps failing is retried at the new
#   cap at once, the restart already waiting included.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
make_nic
make_keys
write_sshd_config
RESOLV=/etc/netns/oob/resolv.conf

# --- a gateway behind an on-link route ---
write_nic_config "$T/oobd.conf" 'gateway = 198.51.100.1' 'route = 198.51.100.0/24' \
	'[dns]' 'nameserver = 203.0.113.53'
out=$("$OOBD" -t -c "$T/oobd.conf" 2>&1)
is "$out" "$T/oobd.conf: configuration is valid" "oobd -t: a gateway inside an on-link route is fine, no warning"
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "oobd did not come up"
wait_until 10 log_has '^<6>routes in namespace "oob": [0-9]+ changed, 0 failed$'
ok $? "the routes went in, none refused"
! log_has ' [1-9][0-9]* failed$|Nexthop has invalid gateway'
ok $? "no route was refused at start-up"
like "$(ip -n oob route show default)" "^default via 198\.51\.100\.1 dev oob0" "the default route is in place"

# --- [dns] removed ---
like "$(cat "$RESOLV")" "^nameserver 203\.0\.113\.53$" "the overlay has the configured name server"
write_nic_config "$T/oobd.conf" 'gateway = 198.51.100.1' 'route = 198.51.100.0/24'
mark=$(log_mark)
"$OOBCTL" reload >/dev/null
ok $? "reload without [dns]"
test ! -e "$RESOLV"
ok $? "the overlay oobd wrote is gone"
log_after "$mark" "^<5>no \[dns\] in the config: removed $RESOLV, which oobd had written"
ok $? "the removal is logged"
like "$("$OOBCTL" status)" "no \[dns\]: the namespace sees the host's /etc/resolv.conf" "status agrees"
# The administrator's own file stays.
mkdir -p "${RESOLV%/*}"
printf 'nameserver 203.0.113.99\n' > "$RESOLV"
"$OOBCTL" reload >/dev/null
is "$(cat "$RESOLV")" "nameserver 203.0.113.99" "an overlay oobd did not write is left alone"
rm -f "$RESOLV"

# Taken down by a config that no longer has [dns]: oobd's file goes too.
write_nic_config "$T/dns.conf" 'gateway = 198.51.100.1' 'route = 198.51.100.0/24' '[dns]' 'nameserver = 203.0.113.53'
cp "$T/dns.conf" "$T/oobd.conf"
"$OOBCTL" reload >/dev/null
test -s "$RESOLV"
ok $? "[dns] back: the overlay is written again"
stop_oobd
write_nic_config "$T/oobd.conf" 'gateway = 198.51.100.1' 'route = 198.51.100.0/24'
"$OOBD" --down -c "$T/oobd.conf" >>"$T/oobd.log" 2>&1
ok $? "oobd --down with a config without [dns]"
test ! -e "$RESOLV"
ok $? "the overlay oobd wrote is gone after --down"

# --- a lower backoff_max ---
printf '#!/bin/sh\nexit 1\n' > "$T/die"
chmod 0755 "$T/die"
write_nic_config "$T/oobd.conf" '[service die]' "exec = $T/die" 'backoff_max = 8'
mark=$(log_mark)
start_oobd "$T/oobd.conf"
wait_until 40 log_after "$mark" '^<3>die exited with status 1; restarting in 8\.0 s$'
ok $? "a service that keeps failing: its delay reaches backoff_max (8 s)" || bail "the delay never reached 8 s"
remaining() { "$OOBCTL" status --json | jq -r '.services[] | select(.name == "die") | .backoff_remaining_ms'; }
sed -i 's/^backoff_max = 8$/backoff_max = 1/' "$T/oobd.conf"
mark=$(log_mark)
"$OOBCTL" reload >/dev/null
ok $? "reload with backoff_max = 1"
r=$(remaining)
ok $(( r <= 1000 ? 0 : 1 )) "the restart already waiting comes within the new cap (${r} ms left)"
wait_until 10 log_after "$mark" '^<3>die exited with status 1; restarting in 1\.0 s$'
ok $? "the next delay is the new cap"
! log_after "$mark" 'restarting in [2-9]\.[0-9] s$'
ok $? "no longer delay after the reload"
stop_oobd
done_testing
