# SPDX-License-Identifier: GPL-2.0-or-later
# kind = macvlan: oobd creates a child of a shared NIC directly inside the
# namespace. The shared NIC is a veth in the main namespace whose peer is the
# admin workstation; the admin reaches the child through it.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

make_keys
write_sshd_config

make_trunk
trunk_mac=$(ip -o link show trunk0 | sed -n 's|.* link/ether \([0-9a-f:]*\) .*|\1|p')

# Link events of the main namespace while oobd runs: the child must never
# appear there, not even for a moment. Changing a marker link's MTU is
# notified each time, which shows the monitor is live before oobd starts.
ip link add monmark0 type veth peer name monmark1
ip monitor link > "$T/monitor-main.out" 2>&1 &
MON_PID=$!
n=0
monitor_live() {
	n=$((n + 1))
	ip link set monmark0 mtu $((1400 + n)) && grep -q "monmark0" "$T/monitor-main.out"
}
wait_until 10 monitor_live
ok $? "the monitor of the main namespace sees events" || bail "ip monitor not working"
links_before=$(ip -o link | cut -d: -f2 | sort)

write_config "$T/oobd.conf" <<EOF
[interface]
kind = macvlan
parent = trunk0
address = $OOB4/24
address = $OOB6/64
gateway = $ADM4
EOF
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers through the macvlan child" || bail "oobd did not come up"

info=$(ip -d -n oob -o link show oob0 2>&1)
like "$info" "macvlan mode bridge" "oob0 (the default name) is a macvlan in bridge mode inside oob"
like "$info" "[<,]UP[,>]" "oob0 is up"
unlike "$info" "link/ether $trunk_mac " "oob0 has its own MAC, not the parent's"
ip link show trunk0 >/dev/null 2>&1
ok $? "the parent trunk0 stays in the main namespace"
is "$(ip -o link | cut -d: -f2 | sort)" "$links_before" "the main namespace has the same links as before"

is "$(oob_ssh "$OOB4" 'ip -o -4 addr show dev oob0 | wc -l' 2>&1)" 1 "ssh over IPv4 to the child"
wait_until 10 oob_ssh "$OOB6" true
ok $? "ssh over IPv6 to the child"
like "$(ip -n oob -4 route show proto 176)" "^default via $ADM4 dev oob0" "gateway on the child, protocol 176"

kill "$MON_PID"; wait "$MON_PID" 2>/dev/null
unlike "$(cat "$T/monitor-main.out")" "oob0|macvlan" "the child never appeared in the main namespace"

stop_oobd
done_testing
