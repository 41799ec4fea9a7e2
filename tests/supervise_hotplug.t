# SPDX-License-Identifier: GPL-2.0-or-later
# Resilience: a NIC absent at start is adopted when it appears; one that is
# deleted and comes back under another name (same MAC) is adopted again;
# "ip netns del oob" is undone; and a main namespace with every link down,
# no routes and a DROP-all firewall does not touch the way in.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

make_keys
write_sshd_config
write_config "$T/oobd.conf" <<EOF
[interface]
match = mac:$NIC_MAC
rename = oob0
address = $OOB4/24
address = $OOB6/64
gateway = $ADM4
EOF

sshd_pid_new() { local p; p=$(sshd_pid); [ -n "$p" ] && [ "$p" != "$1" ] && kill -0 "$p" 2>/dev/null; }
nic_in_oob() { ip -n oob -o link show oob0 2>/dev/null | grep -q "link/ether $NIC_MAC"; }

# --- absent at start ---
ip link show "$NIC" >/dev/null 2>&1
ok $(( ! $? )) "no NIC before oobd starts"
start_oobd "$T/oobd.conf"
wait_until 15 log_has '^<4>NIC with MAC [0-9a-f:]+: not present; waiting for it to appear'
ok $? "oobd logs that it waits for the NIC" || bail "oobd did not get to wait for the NIC"
kill -0 "$OOBD_PID"
ok $? "oobd keeps running without its NIC"
make_nic
wait_until 15 nic_in_oob
ok $? "the NIC created afterwards is moved into oob as oob0"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers on the adopted NIC"
like "$(oob_ssh "$OOB4" echo adopted 2>&1)" "^adopted$" "ssh works over the adopted NIC"
ip link show "$NIC" >/dev/null 2>&1
ok $(( ! $? )) "the NIC left the main namespace"

# --- deleted, and back with the same MAC under another name ---
idx1=$(ip -n oob -o link show oob0 | cut -d: -f1)
mark=$(log_mark)
ip -n oob link del oob0
wait_until 10 log_after "$mark" '^<4>NIC with MAC [0-9a-f:]+: not present; waiting for it to appear'
ok $? "oobd notices the NIC is gone and logs that it waits for it again"
ssh_banner "$OOB4"
ok $(( ! $? )) "nothing answers while the NIC is gone"
make_nic oobnic2 "$NIC_MAC"
wait_until 15 nic_in_oob
ok $? "the NIC, back as oobnic2 with the same MAC, is moved into oob as oob0"
idx2=$(ip -n oob -o link show oob0 | cut -d: -f1)
ok $(( idx1 != idx2 ? 0 : 1 )) "it is a new link (ifindex $idx1 -> $idx2)"
check "its address is configured again" -- wait_until 10 eval "ip -n oob -o addr show dev oob0 | grep -q 'inet $OOB4/24'"
check "its default route is back" -- wait_until 10 eval "ip -n oob route show default | grep -q 'default via $ADM4 dev oob0'"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers on the re-adopted NIC"
wait_until 10 oob_ssh "$OOB4" true
like "$(oob_ssh "$OOB4" echo readopted 2>&1)" "^readopted$" "ssh works over the re-adopted NIC"
wait_until 10 oob_ssh "$OOB6" true
ok $? "ssh over IPv6 works over the re-adopted NIC"

# --- moved out to the main namespace by hand: claimed back ---
ip -n oob link set oob0 netns 1
wait_until 15 nic_in_oob
ok $? "the NIC moved to the main namespace by hand is claimed back as oob0"
wait_until 10 eval '! ip -o link | grep -q "link/ether $NIC_MAC"'
ok $? "... and is no longer in the main namespace"
wait_until 15 eval 'ip -n oob -o addr show dev oob0 | grep -q "inet $OOB4/24"'
ok $? "... with its address again"
wait_until 15 oob_ssh "$OOB4" true
ok $? "ssh works after the NIC was claimed back"

# --- "ip netns del oob" while running ---
oob_ssh "$OOB4" "while :; do date +%s%N > $T/alive; sleep 0.2; done" > /dev/null 2>&1 &
SESSION=$!
wait_until 10 test -s "$T/alive"
ok $? "a session is open"
mark=$(log_mark)
ip netns del oob
wait_until 10 log_after "$mark" '^<4>namespace "oob": its name had been removed; bound it again'
ok $? "oobd logs that it bound the name again"
wait_until 10 eval 'ip netns list | grep -qw oob'
ok $? "ip netns list shows oob again"
ns_ino() { stat -L -c %i "$1" 2>/dev/null; }
wait_until 10 test -n "$(ns_ino /run/netns/oob)"
is "$(ns_ino /run/netns/oob)" "$(ns_ino "/proc/$(sshd_pid)/ns/net")" \
	"/run/netns/oob is the very namespace sshd runs in"
is "$(stat -f -c %T /run/netns/oob)" "nsfs" "/run/netns/oob is a namespace mount"
like "$(ip -n oob -o link show oob0 2>&1)" "link/ether $NIC_MAC" "ip -n oob works again"
like "$(oob_ssh "$OOB4" echo ns-back 2>&1)" "^ns-back$" "ssh keeps working"
a0=$(cat "$T/alive")
wait_until 10 eval '[ "$(cat '"$T"'/alive)" != "'"$a0"'" ]'
ok $? "the open session lives on"

# --- the main namespace broken ---
ip link add main0 type veth peer name main1
ip addr add 198.51.100.1/24 dev main0
ip link set main1 up
ip link set main0 up
wait_until 10 eval 'ip -o link show main0 | grep -q "state UP"'
ok $? "main0 is up in the main namespace, with an address"
for l in $(ip -o link show | awk -F': ' '{ print $2 }' | sed 's/@.*//'); do
	ip link set "$l" down
done
ip route flush table main
ip -6 route flush table main 2>/dev/null
fw=
for ipt in iptables-legacy iptables-nft ip6tables-legacy ip6tables-nft; do
	command -v "$ipt" >/dev/null || continue
	"$ipt" -P INPUT DROP && "$ipt" -P OUTPUT DROP && "$ipt" -P FORWARD DROP &&
		"$ipt" -A INPUT -j DROP && "$ipt" -A OUTPUT -j DROP &&
		fw="$fw $ipt"
done
diag "DROP-all installed with:$fw"
like "$fw" "iptables-legacy" "the main namespace has an iptables (legacy) DROP-all"
is "$(ip -o link show up | wc -l)" 0 "every link of the main namespace is down"
is "$(ip -4 route show table main)" "" "the main routing table is empty"

like "$(oob_ssh "$OOB4" echo through 2>&1)" "^through$" "ssh over the oob path works with the main namespace broken"
wait_until 10 oob_ssh "$OOB6" true
ok $? "... over IPv6 too"
out=$(oob_ssh "$OOB4" "$NSENTER_MAIN" ip -o link show main0 2>&1)
like "$out" "main0.* state DOWN" "nsenter-main in the session shows main0 DOWN"
out=$(oob_ssh "$OOB4" "$NSENTER_MAIN" iptables-legacy -S OUTPUT 2>&1)
like "$out" "^-P OUTPUT DROP" "nsenter-main in the session shows the DROP policy"
is "$(oob_ssh "$OOB4" "$NSENTER_MAIN" ip -4 route show table main 2>&1)" "" \
	"nsenter-main in the session shows the empty routing table"
sp=$(sshd_pid)
kill -KILL "$sp"
wait_until 15 sshd_pid_new "$sp" && wait_until 15 ssh_banner "$OOB4"
ok $? "with the main namespace broken, a killed sshd comes back"
like "$(oob_ssh "$OOB4" echo still 2>&1)" "^still$" "... and ssh works"
kill -0 "$OOBD_PID"
ok $? "oobd is still running"
is "$(sshd_listeners | wc -l)" 1 "exactly one listener"

kill "$SESSION" 2>/dev/null
stop_oobd
done_testing
