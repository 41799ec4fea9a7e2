# SPDX-License-Identifier: GPL-2.0-or-later
# "oobctl down" and "oobctl up" against a real oobd: down hands the NIC back to
# the main namespace under its original name, removes the namespace, and oobd
# does not take the NIC back (not on a link event, not when it comes back from
# a hot-unplug, not after oobd is killed and started again) until "oobctl up".
# From a session on the out-of-band path itself, "down" needs --yes (exit 5).
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
[ -x "$OOBCTL" ] || bail "$OOBCTL not built (run make)"
command -v jq >/dev/null || skip_all "needs jq"

make_nic
make_keys
write_sshd_config
write_config "$T/oobd.conf" <<EOF
[interface]
match = mac:$NIC_MAC
rename = oob0
address = $OOB4/24
gateway = $ADM4
[dns]
nameserver = 203.0.113.53
EOF

js() { "$OOBCTL" status --json | jq -r "$@"; }
in_main() { ip -o link show "$NIC" 2>/dev/null | grep -qi "link/ether $NIC_MAC"; }
in_oob() { ip -n oob -o link show oob0 2>/dev/null | grep -qi "link/ether $NIC_MAC"; }
ns_exists() { ip netns list | grep -qw oob; }
status_is() { "$OOBCTL" status >/dev/null 2>&1; [ $? = "$1" ]; }
# oobd answers (healthy or degraded).
answers() { "$OOBCTL" status >/dev/null 2>&1; [ $? -le 1 ]; }
# Two answered requests: oobd's loop has handled every event queued before
# (a request is read in a later round of the loop than the one that accepts it).
sync_oobd() { answers; answers; true; }
# stays_in_main: after oobd has seen the last event, the NIC is in the main
# namespace, and it is still there over a short observation window.
stays_in_main() {
	sync_oobd
	in_main && ! ns_exists && ! wait_until 2 in_oob
}

start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "oobd is up: sshd answers" || bail "oobd did not come up"
like "$(oob_ssh "$OOB4" echo hello 2>&1)" "^hello$" "ssh works"
is "$(head -n 1 /run/oobd/nic.name 2>/dev/null)" "$NIC" "oobd remembers the NIC's original name"

# --- one repair, counted since oobd started (not reset by down and up) ---
ip -n oob addr del "$OOB4/24" dev oob0
wait_until 10 eval '[ "$(js .repairs)" -ge 1 ]'
ok $? "an address deleted by hand is put back and counted"
repairs=$(js .repairs)

# --- from a session on the out-of-band path: refused without --yes ---
out=$(oob_ssh "$OOB4" "$OOBCTL down; echo exit=\$?" 2>&1)
like "$out" "exit=5" "oobctl down inside an ssh session on the oob path exits 5"
like "$out" "you are connected through the out-of-band path" "and says why"
like "$out" "oobctl down --yes" "and how to do it anyway"
# Through nsenter-main (the documented way to act on the main system from
# such a session) the request comes from the main namespace, but the
# session it would cut is still on the path.
out=$(oob_ssh "$OOB4" "$BUILD/nsenter-main $OOBCTL down; echo exit=\$?" 2>&1)
like "$out" "exit=5" "nsenter-main oobctl down inside an ssh session on the oob path exits 5 too"
ns_exists && in_oob
ok $? "nothing was taken down"
like "$(oob_ssh "$OOB4" echo still 2>&1)" "^still$" "ssh still works"

# --- down from the main namespace ---
sshd1=$(sshd_pid)
out=$("$OOBCTL" down 2>&1); rc=$?
is "$rc" 0 "oobctl down exits 0"
like "$out" "the out-of-band path is down" "and says so"
in_main
ok $? "the NIC is back in the main namespace under its original name $NIC"
ns_exists
ok $(( ! $? )) "the namespace oob is gone"
test -e /run/oobd/down
ok $? "/run/oobd/down records it"
check "sshd is stopped" -- wait_until 10 eval '! kill -0 "$sshd1" 2>/dev/null'
ssh_banner "$OOB4"
ok $(( ! $? )) "nothing answers on $OOB4:22"
"$OOBCTL" status > "$T/status.txt"; rc=$?
is "$rc" 1 "status exits 1 while the path is down"
like "$(cat "$T/status.txt")" "down by request" "status says it is down by request"
is "$(js '"\(.oobd.down) \(.nic.present) \(.services[0].state) \(.health)"')" "true false down degraded" \
	"JSON: oobd.down true, NIC absent, sshd down, degraded"
is "$(js '.problems | length')" 1 "the only problem listed is that the path is down (no overlay, no firewall)"
is "$(js '"\(.firewall.ipv4.source) \(.firewall.ipv6.source)"')" "none none" \
	"JSON: no firewall of oobd's while down"
is "$(js .repairs)" "$repairs" "the repairs counted before are still counted"
like "$("$OOBCTL" metrics)" "oobd_path_down 1" "metrics: oobd_path_down 1"
out=$("$OOBCTL" down 2>&1); rc=$?
is "$rc" 0 "a second down exits 0"
like "$out" "already down" "and says it is already down"
out=$("$OOBCTL" restart sshd 2>&1); rc=$?
is "$rc" 1 "restart sshd while down exits 1"
like "$out" "oobctl up" "and points to oobctl up"

# oobd does not take it back: a link event on the NIC...
ip link set "$NIC" up
stays_in_main
ok $? "after a link event (ip link set $NIC up) the NIC stays in the main namespace"
# ... nor when it disappears and comes back (hotplug: same name, same MAC).
ip link del "$NIC"
make_nic
stays_in_main
ok $? "after the NIC is unplugged and plugged in again it stays in the main namespace"

# ... nor after oobd is killed and started again.
kill -KILL "$OOBD_PID"; wait "$OOBD_PID" 2>/dev/null; OOBD_PID=
start_oobd "$T/oobd.conf"
wait_until 15 answers
ok $? "oobd killed with SIGKILL and started again: it answers"
stays_in_main
ok $? "the restarted oobd leaves the NIC in the main namespace"
"$OOBCTL" status > "$T/status.txt"; rc=$?
is "$rc" 1 "status exits 1"
like "$(cat "$T/status.txt")" "down by request" "status says the path is down by request"
is "$(js .oobd.down)" true "JSON oobd.down is true"
ps -e -o comm= | grep -qx sshd
ok $(( ! $? )) "no sshd was started"
ip link set "$NIC" down
stays_in_main
ok $? "another link event: the NIC still stays in the main namespace"

# --- up ---
out=$("$OOBCTL" up 2>&1); rc=$?
is "$rc" 0 "oobctl up exits 0"
like "$out" "the out-of-band path is up" "and says so"
wait_until 10 in_oob
ok $? "the NIC is in the namespace again, as oob0"
in_main
ok $(( ! $? )) "and no longer in the main namespace"
test -e /run/oobd/down
ok $(( ! $? )) "/run/oobd/down is removed"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers again"
like "$(oob_ssh "$OOB4" echo back 2>&1)" "^back$" "ssh works again"
wait_until 10 status_is 0
ok $? "status exits 0"
out=$("$OOBCTL" up 2>&1); rc=$?
is "$rc" 0 "a second up exits 0"
like "$out" "up already" "and says it is up already"

# --- from a session on the path, with --yes: it goes down (and cuts the session) ---
oob_ssh "$OOB4" "$OOBCTL down --yes" > "$T/yes.out" 2>&1 &
SSH_PID=$!
wait_until 15 in_main
ok $? "oobctl down --yes inside the session takes the path down: the NIC is back in the main namespace"
ns_exists
ok $(( ! $? )) "the namespace name is gone"
is "$(js .oobd.down)" true "status says down"
# The ssh client of the cut session (and the subshell running it).
for p in $(ps -o pid= --ppid "$SSH_PID" 2>/dev/null) "$SSH_PID"; do kill "$p" 2>/dev/null; done
wait "$SSH_PID" 2>/dev/null
"$OOBCTL" up >/dev/null
is "$?" 0 "oobctl up"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers again"
like "$(oob_ssh "$OOB4" echo again 2>&1)" "^again$" "ssh works again"

stop_oobd
done_testing
