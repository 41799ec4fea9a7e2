# SPDX-License-Identifier: GPL-2.0-or-later
# "oobctl status" against a real oobd: the link, addresses and routes it shows
# are the kernel's (compared with "ip -n oob"), a deleted address of oobd's
# is put back and counted, a route added by hand is shown as foreign and left
# in place (also across a reload), the JSON form parses and carries the real
# values, and the exit status is 0 healthy, 1 degraded, 2 oobd not running.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
[ -x "$OOBCTL" ] || bail "$OOBCTL not built (run make)"
command -v jq >/dev/null || skip_all "needs jq"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || skip_all "needs python3"

make_nic
make_keys
write_sshd_config
write_config "$T/oobd.conf" <<EOF
[interface]
match = mac:$NIC_MAC
rename = oob0
address = $OOB4/24
address = $OOB6/64 nodad
gateway = $ADM4
gateway = $ADM6
route = 198.51.100.0/25 via 203.0.113.254
[dns]
nameserver = 203.0.113.53
[sysctl]
net.ipv4.ip_forward = 0
EOF

js() { "$OOBCTL" status --json | jq -r "$@"; }
# The addresses and routes as the kernel has them, and as status shows them
# (one "ADDRESS" or "DESTINATION GATEWAY" per line, sorted).
ip_addrs() { ip -n oob -j addr show dev oob0 | jq -r '.[].addr_info[] | "\(.local)/\(.prefixlen)"' | sort; }
st_addrs() { js '.addresses[] | select(.state != "missing") | .address' | sort; }
ip_routes() {
	{ ip -n oob -j -4 route show; ip -n oob -j -6 route show; } |
		jq -r '.[] | "\(.dst) \(.gateway // "-")"' | sort
}
st_routes() { js '.routes[] | select(.state != "missing") | "\(.destination) \(.gateway // "-")"' | sort; }
# (Never equal when empty: the kernel's list must hold what oobd configured.)
same_addrs() { local k; k=$(ip_addrs); [[ "$k" == *"$OOB4/24"* ]] && [ "$k" = "$(st_addrs)" ]; }
same_routes() { local k; k=$(ip_routes); [[ "$k" == *"default $ADM4"* ]] && [ "$k" = "$(st_routes)" ]; }
status_rc() { "$OOBCTL" status >/dev/null 2>&1; echo $?; }
status_is() { [ "$(status_rc)" = "$1" ]; }
has_addr() { ip -n oob -o addr show dev oob0 | grep -q " $1 "; }
has_route() { ip -n oob route show "$@" | grep -q .; }

start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "oobd is up: sshd answers" || bail "oobd did not come up"
wait_until 10 sshd_ready

# --- the link, addresses and routes as the kernel has them ---
txt=$("$OOBCTL" status); rc=$?
is "$rc" 0 "status exits 0 when everything is as configured"
like "$txt" ": ok$" "the first line says ok"
ifindex=$(ip -n oob -o link show oob0 | cut -d: -f1)
mtu=$(ip -n oob -j link show oob0 | jq -r '.[0].mtu')
like "$txt" "nic +oob0 +\(match mac:$NIC_MAC, kind physical\)" "status names the NIC and its match rule"
like "$txt" "mac $NIC_MAC +ifindex $ifindex +UP +carrier yes +mtu $mtu" \
	"status shows the NIC's real MAC, ifindex, state, carrier and MTU"
like "$txt" "namespace +oob, created" "status shows the namespace"
like "$txt" "nameserver 203.0.113.53" "status shows the DNS overlay"
like "$txt" "net.ipv4.ip_forward +0" "status shows the sysctl's actual value"
like "$txt" "sshd +up +pid $(sshd_pid), .*configured config $T/sshd_config" \
	"status shows sshd up, its pid and the config in use"
like "$txt" "jump broker +not available" "status shows the jump broker as not available"
like "$txt" "repairs +0 " "no repairs yet"

wait_until 10 same_addrs
ok $? "status lists exactly the addresses \"ip -n oob addr\" shows" ||
	diag "ip: $(ip_addrs | tr '\n' ' ') status: $(st_addrs | tr '\n' ' ')"
wait_until 10 same_routes
ok $? "status lists exactly the routes \"ip -n oob route\" shows" ||
	diag "ip: $(ip_routes | tr '\n' ' ') status: $(st_routes | tr '\n' ' ')"
txt=$("$OOBCTL" status)
like "$txt" "$OOB4/24 +oobd +ok" "the IPv4 address: owner oobd, ok"
like "$txt" "$OOB6/64 +oobd +ok" "the IPv6 address: owner oobd, ok"
like "$txt" "fe80::[0-9a-f:]+/64 +kernel +ok" "the link-local address: owner kernel"
like "$txt" "default via $ADM4 +oobd +ok" "the IPv4 default route: owner oobd, ok"
like "$txt" "default via $ADM6 +oobd +ok" "the IPv6 default route: owner oobd, ok"
like "$txt" "198.51.100.0/25 via 203.0.113.254 +oobd +ok" "the configured route: owner oobd, ok"
like "$txt" "203.0.113.0/24 +kernel +ok" "the connected route: owner kernel"
is "$(ip -n oob -j route show default | jq -r '.[0].protocol')" 176 "oobd's routes carry protocol 176 in the kernel"

# --- JSON: parses, documented fields, real values ---
"$OOBCTL" status --json > "$T/status.json"
is "$?" 0 "status --json exits 0 when healthy"
"$PY" -m json.tool "$T/status.json" >/dev/null
ok $? "status --json parses (python3 -m json.tool)"
# Every documented member with its JSON type (docs/control.md).
"$PY" - "$T/status.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
S, I, B, A, O, N = str, int, bool, list, dict, type(None)
top = {"version": S, "health": S, "problems": A, "oobd": O, "namespace": O, "nic": O,
       "addresses": A, "routes": A, "dns": O, "sysctls": A, "services": A, "jump": O,
       "repairs": I, "last_reconcile": I, "log": A}
sub = {
    "oobd": {"pid": I, "started": I, "config": S, "config_error": (S, N), "down": B},
    "namespace": {"name": S, "origin": (S, N), "since": I},
    "nic": {"present": B, "match": S, "kind": S, "name": (S, N), "mac": (S, N), "ifindex": I,
            "up": B, "carrier": B, "mtu": I},
    "dns": {"configured": B, "nameservers": A, "search": (S, N), "overlay": (S, N)},
    "jump": {"available": B},
}
items = {
    "addresses": {"address": S, "owner": S, "configured": B, "state": S},
    "routes": {"destination": S, "gateway": (S, N), "protocol": I, "owner": S, "configured": B, "state": S},
    "sysctls": {"key": S, "configured": S, "actual": S, "ok": B},
    "services": {"name": S, "state": S, "pid": I, "uptime_ms": I, "restarts": I, "last_exit": (S, N),
                 "backoff_remaining_ms": I, "start_error": (S, N)},
    "log": {"time": I, "level": S, "message": S},
}
bad = []
def want(obj, spec, where):
    for k, t in spec.items():
        if k not in obj:
            bad.append("%s.%s missing" % (where, k))
        elif type(obj[k]) not in (t if isinstance(t, tuple) else (t,)):
            bad.append("%s.%s is %s" % (where, k, type(obj[k]).__name__))
want(doc, top, "")
for k, spec in sub.items():
    want(doc.get(k, {}), spec, k)
for k, spec in items.items():
    for n, e in enumerate(doc.get(k, [])):
        want(e, spec, "%s[%d]" % (k, n))
sshd = doc["services"][0]
want(sshd, {"config": S, "config_path": S, "probe_blocked": B, "fallback_reason": (S, N)}, "services[0]")
if sshd.get("name") != "sshd":
    bad.append("services[0] is not sshd")
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
ok $? "status --json has every documented field with its type"

j() { jq -r "$1" "$T/status.json"; }
is "$(j .health)" ok "JSON health is ok"
is "$(j '.problems | length')" 0 "JSON lists no problems"
is "$(j .oobd.pid)" "$OOBD_PID" "JSON oobd.pid is the running oobd"
is "$(j .oobd.config)" "$T/oobd.conf" "JSON oobd.config is the config file"
is "$(j .oobd.down)" false "JSON oobd.down is false"
is "$(j .namespace.name)/$(j .namespace.origin)" oob/created "JSON namespace: name oob, created"
is "$(j .nic.mac)" "$NIC_MAC" "JSON nic.mac is the NIC's MAC"
is "$(j .nic.name)" oob0 "JSON nic.name is oob0"
is "$(j .nic.ifindex)" "$ifindex" "JSON nic.ifindex is the real ifindex"
is "$(j .nic.match)/$(j .nic.kind)" "mac:$NIC_MAC/physical" "JSON nic.match and nic.kind"
is "$(j .nic.up)/$(j .nic.carrier)/$(j .nic.mtu)" "true/true/$mtu" "JSON nic up, carrier and MTU"
is "$(j '.dns.nameservers | join(",")')" 203.0.113.53 "JSON dns.nameservers"
like "$(j .dns.overlay)" "^# written by oobd" "JSON dns.overlay is the file's content"
is "$(j '.sysctls[0] | "\(.key)=\(.configured)/\(.actual)/\(.ok)"')" "net.ipv4.ip_forward=0/0/true" "JSON sysctls"
is "$(j '.services[0].pid')" "$(sshd_pid)" "JSON sshd pid is the one in /run/oobd/sshd.pid"
kill -0 "$(j '.services[0].pid')" 2>/dev/null
ok $? "that sshd runs"
is "$(j '.services[0] | "\(.state) \(.restarts) \(.config) \(.config_path)"')" \
	"up 0 configured $T/sshd_config" "JSON sshd: up, no restarts, configured config"
is "$(j '.services[0].fallback_reason')" null "JSON sshd: no fallback, no reason for one"
is "$(j '.routes[] | select(.destination == "default" and .gateway == "203.0.113.1") | "\(.protocol) \(.owner) \(.configured) \(.state)"')" \
	"176 oobd true ok" "JSON IPv4 default route: protocol 176, oobd, configured, ok"
is "$(j .jump.available)" false "JSON jump.available is false"
is "$(j .repairs)" 0 "JSON repairs is 0"
now=$(date +%s)
last=$(j .last_reconcile)
[ "$last" -gt 0 ] && [ "$last" -le "$now" ]
ok $? "JSON last_reconcile is a unix time not in the future"

# The INPUT rules and counters are the kernel's: the targets iptables -L
# shows, and packet counts that only grow between status and iptables -L.
ip netns exec admin ping -c 2 -i 0.2 -W 1 "$OOB4" >/dev/null
ip netns exec admin ping -c 2 -i 0.2 -W 1 "$OOB6" >/dev/null
"$OOBCTL" status --json > "$T/status2.json"
for fam in 4 6; do
	tool=iptables-legacy; [ $fam = 6 ] && tool=ip6tables-legacy
	ip netns exec oob $tool -L INPUT -v -x -n | awk 'NR > 2 { print $3, $1 }' > "$T/want$fam"
	jq -r ".firewall.ipv$fam.input[] | \"\(.target) \(.packets)\"" "$T/status2.json" > "$T/got$fam"
	is "$(cut -d' ' -f1 "$T/got$fam" | tr '\n' ' ')" "$(cut -d' ' -f1 "$T/want$fam" | tr '\n' ' ')" \
		"JSON firewall.ipv$fam.input: the kernel's rules and targets, in order"
	paste -d' ' "$T/got$fam" "$T/want$fam" | awk '{ if ($2 > $4) bad = 1; sum += $2 } END { exit bad || sum == 0 }'
	ok $? "JSON firewall.ipv$fam.input: the kernel's packet counts (some traffic counted)"
done

# --- sshd killed with SIGKILL: restarts counts it ---
pid1=$(sshd_pid)
kill -KILL "$pid1"
restarted() {
	local s
	s=$(js '.services[0] | "\(.state) \(.pid) \(.restarts)"')
	[ "$s" = "up $(sshd_pid) 1" ] && [ "$(sshd_pid)" != "$pid1" ]
}
wait_until 15 restarted
ok $? "after SIGKILL of sshd: JSON shows it up again, with the new pid and restarts 1" ||
	diag "$(js '.services[0]')"
like "$(js '.services[0].last_exit')" "killed by signal 9" "JSON last_exit says how it died"
like "$("$OOBCTL" status)" "sshd +up +pid $(sshd_pid), up [0-9]+ s, 1 restarts, last killed by signal 9" \
	"text status: new pid, 1 restart, last exit"
wait_until 15 ssh_banner "$OOB4"
ok $? "the new sshd answers"

# --- drift: a configured address deleted by hand is put back and counted ---
ip -n oob addr del "$OOB4/24" dev oob0
ok $? "deleted $OOB4/24 by hand"
wait_until 10 has_addr "$OOB4/24"
ok $? "oobd put $OOB4/24 back"
# Deleting the address also took the routes through it: they come back too.
wait_until 10 has_route default via "$ADM4"
ok $? "the IPv4 default route is back"
wait_until 10 has_route 198.51.100.0/25 via 203.0.113.254
ok $? "the configured route is back"
repairs_positive() { [ "$(js .repairs)" -gt 0 ]; }
wait_until 10 repairs_positive
ok $? "JSON repairs counts the repair"
txt=$("$OOBCTL" status)
like "$txt" "repairs +[1-9][0-9]* " "text status shows the repair count"
like "$txt" "warning address $OOB4/24 on oob0 had disappeared; putting it back" \
	"the repair is among the recent warnings"
r1=$(js .repairs)
ip -n oob route del 198.51.100.0/25
wait_until 10 has_route 198.51.100.0/25 via 203.0.113.254
ok $? "a configured route deleted by hand is put back"
more_repairs() { [ "$(js .repairs)" -gt "$r1" ]; }
wait_until 10 more_repairs
ok $? "and counted (repairs went up from $r1)"
wait_until 10 status_is 0
ok $? "status is healthy again after the repairs"

# --- a route and an address added by hand: foreign, left alone ---
ip -n oob route add 198.51.100.128/25 via 203.0.113.1
ip -n oob addr add 198.51.100.77/24 dev oob0
txt=$("$OOBCTL" status); rc=$?
like "$txt" "198.51.100.128/25 via 203.0.113.1 +other +foreign" "a route added by hand: owner other, foreign"
like "$txt" "198.51.100.77/24 +other +foreign" "an address added by hand: owner other, foreign"
is "$rc" 0 "foreign entries do not make the path degraded"
is "$(js '.routes[] | select(.destination == "198.51.100.128/25") | "\(.gateway) \(.owner) \(.configured) \(.state)"')" \
	"203.0.113.1 other false foreign" "JSON: the route is foreign, not configured"
wait_until 10 same_routes
ok $? "status still lists exactly the kernel's routes"
out=$("$OOBCTL" reload 2>&1); rc=$?
is "$rc" 0 "oobctl reload exits 0" || diag "$out"
has_route 198.51.100.128/25 via 203.0.113.1
ok $? "after the reload the foreign route is still in place"
has_addr 198.51.100.77/24
ok $? "after the reload the foreign address is still in place"
like "$("$OOBCTL" status)" "198.51.100.128/25 via 203.0.113.1 +other +foreign" "and still shown as foreign"
ip -n oob route del 198.51.100.128/25
ip -n oob addr del 198.51.100.77/24 dev oob0

# --- degraded: the NIC loses carrier (the admin side goes down) ---
ip -n admin link set adm0 down
wait_until 10 status_is 1
ok $? "status exits 1 when the NIC has no carrier"
txt=$("$OOBCTL" status)
like "$txt" ": DEGRADED$" "the first line says DEGRADED"
like "$txt" "! the NIC oob0 has no carrier" "the problem is named"
like "$txt" "carrier no" "the NIC line shows carrier no"
"$OOBCTL" status --json > "$T/status.json"
is "$?" 1 "status --json exits 1 too"
is "$(j .health)/$(j .nic.carrier)" degraded/false "JSON: health degraded, nic.carrier false"
like "$(j '.problems | join("\n")')" "no carrier" "JSON problems names it"
ip -n admin link set adm0 up
wait_until 10 status_is 0
ok $? "carrier back: status exits 0 again"

# --- not running: 2 ---
stop_oobd
"$OOBCTL" status > "$T/out" 2> "$T/err"
is "$?" 2 "status exits 2 when oobd is not running (socket removed)"
like "$(cat "$T/err")" "oobd is not running" "and says so"
"$OOBCTL" status --json >/dev/null 2>&1
is "$?" 2 "status --json exits 2 too"
start_oobd "$T/oobd.conf"
wait_until 15 "$OOBCTL" status
ok $? "oobd started again: status exits 0"
kill -KILL "$OOBD_PID"; wait "$OOBD_PID" 2>/dev/null; OOBD_PID=
test -S /run/oobd/control
ok $? "after SIGKILL the socket file is left behind"
"$OOBCTL" status >/dev/null 2>&1
is "$?" 2 "status exits 2 when the socket is stale (nobody listening)"
"$OOBCTL" -s "$T/no-such-socket" status >/dev/null 2>&1
is "$?" 2 "status exits 2 with -s pointing nowhere"

done_testing
