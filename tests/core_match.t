# SPDX-License-Identifier: GPL-2.0-or-later
# Which link oobd takes as the NIC: by name or by MAC, with or without a
# rename (and a NIC matched by name also under its inside name, as the
# kernel hands it back); never a macvlan child that carries the same MAC; nothing at all
# when two links match; a link the kernel will not move; and a NIC that
# appears only after oobd started.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

make_keys
write_sshd_config

# nic_case NAME: start oobd with the [interface] lines from stdin and wait
# until sshd answers through the NIC, which proves the right link was taken.
nic_case() {
	write_config "$T/oobd.conf"
	start_oobd "$T/oobd.conf"
	wait_until 15 ssh_banner "$OOB4"
}
# end_case NAME-INSIDE: stop oobd and destroy the NIC (and its admin peer).
end_case() {
	stop_oobd
	ip -n oob link del "$1" 2>/dev/null
	ip link del "$1" 2>/dev/null
	return 0
}
in_main() { ip link show "$1" >/dev/null 2>&1; }
in_oob() { ip -n oob link show "$1" >/dev/null 2>&1; }
mac_of() { ip -o "$@" | sed -n 's|.* link/ether \([0-9a-f:]*\) .*|\1|p'; }

# --- by name, kept as is ---
make_nic
nic_case <<EOF
[interface]
match = $NIC
address = $OOB4/24
EOF
ok $? "match by name: sshd answers through $NIC"
in_oob "$NIC"; ok $? "match by name: $NIC is in namespace oob under its own name"
in_main "$NIC"; ok $(( ! $? )) "match by name: $NIC is gone from main"
end_case "$NIC"

# --- by name, renamed ---
make_nic
nic_case <<EOF
[interface]
match = $NIC
rename = oob0
address = $OOB4/24
EOF
ok $? "match by name + rename: sshd answers"
in_oob oob0; ok $? "match by name + rename: the NIC is oob0 inside"
in_oob "$NIC"; ok $(( ! $? )) "match by name + rename: no $NIC inside"
is "$(mac_of -n oob link show oob0)" "$NIC_MAC" "match by name + rename: oob0 is the NIC (its MAC)"
# Back in the main namespace under its inside name, as the kernel hands a
# NIC back when its namespace is deleted: still the NIC.
ip -n oob link set oob0 netns 1
wait_until 10 in_oob oob0
ok $? "match by name + rename: moved out as oob0, it is taken back"
wait_until 15 ssh_banner "$OOB4"
ok $? "match by name + rename: ... and sshd answers through it again"
is "$(head -n 1 /run/oobd/nic.name 2>/dev/null)" "$NIC" "match by name + rename: its name in the main namespace is still $NIC"
stop_oobd
"$OOBD" --down -c "$T/oobd.conf" >>"$T/oobd.log" 2>&1
in_main "$NIC"; ok $? "match by name + rename: oobd --down hands it back as $NIC"
ip link del "$NIC" 2>/dev/null

# --- by MAC, renamed ---
make_nic ethx7
nic_case <<EOF
[interface]
match = mac:$NIC_MAC
rename = oob0
address = $OOB4/24
EOF
ok $? "match by MAC + rename: sshd answers"
in_oob oob0; ok $? "match by MAC + rename: the NIC is oob0 inside"
in_main ethx7; ok $(( ! $? )) "match by MAC + rename: ethx7 is gone from main"
end_case oob0

# --- by MAC, not renamed, with a macvlan child carrying the same MAC ---
ip link add decoy0 type veth peer name decoy1
ip link add link decoy0 name decoymv address "$NIC_MAC" type macvlan mode bridge
ip link set decoy0 up
ip link set decoymv up
make_nic ethx8
is "$(mac_of link show decoymv)" "$NIC_MAC" "the macvlan child decoymv has the NIC's MAC"
nic_case <<EOF
[interface]
match = MAC:${NIC_MAC^^}
address = $OOB4/24
EOF
ok $? "match by MAC: sshd answers through the NIC"
in_oob ethx8; ok $? "match by MAC: the NIC ethx8 is inside under its own name"
in_main decoymv; ok $? "match by MAC: the macvlan child with the same MAC stays in main"
in_oob decoymv; ok $(( ! $? )) "match by MAC: the macvlan child was not taken"
end_case ethx8
ip link del decoy0

# --- two links with the same MAC: not guessing ---
make_nic ethx9
ip link add twin0 address "$NIC_MAC" type veth peer name twin1
lines=$(wc -l < "$T/oobd.log")
write_config "$T/oobd.conf" <<EOF
[interface]
match = mac:$NIC_MAC
address = $OOB4/24
EOF
start_oobd "$T/oobd.conf"
ambiguous() { tail -n +"$((lines + 1))" "$T/oobd.log" | grep -q 'several links match'; }
wait_until 10 ambiguous
ok $? "two links with the MAC: oobd says several links match"
in_main ethx9 && in_main twin0
ok $? "two links with the MAC: both stay in main"
kill -0 "$OOBD_PID" 2>/dev/null
ok $? "two links with the MAC: oobd keeps running"
stop_oobd
ip link del twin0
ip link del ethx9

# --- a link that cannot leave its namespace (a bridge) ---
# The move, started in the background beside the rest of the start-up, is
# refused: reported with the kernel's reason and what to do instead. oobd keeps waiting and tries
# again at each link change of the main namespace; the same refusal is not
# reported again (it is logged at debug level).
ip link add brx0 type bridge
lines=$(wc -l < "$T/oobd.log")
write_config "$T/oobd.conf" <<EOF
[interface]
match = brx0
rename = oob0
address = $OOB4/24
EOF
OOBD_DEBUG=1 start_oobd "$T/oobd.conf"
refused() { tail -n +"$((lines + 1))" "$T/oobd.log" | grep -q 'moving brx0 into namespace "oob" as oob0: '; }
wait_until 10 refused
ok $? "an immovable link: oobd says the move was refused"
like "$(tail -n +"$((lines + 1))" "$T/oobd.log" | grep -m1 'moving brx0')" 'netns is immutable' \
	"an immovable link: with the kernel's reason"
like "$(tail -n +"$((lines + 1))" "$T/oobd.log" | grep -m1 'moving brx0')" \
	'cannot be moved: give the namespace a child of it instead, kind = macvlan with parent = brx0\)' \
	"an immovable link: and what to do instead"
check "an immovable link: oobd keeps running" -- kill -0 "$OOBD_PID"
in_main brx0; ok $? "an immovable link: it stays in main"
n_retries() { tail -n +"$((lines + 1))" "$T/oobd.log" | grep -c '^<7>moving brx0 into namespace'; }
before=$(n_retries)
ip link set brx0 mtu 1400
retried() { [ "$(n_retries)" -gt "$before" ]; }
wait_until 10 retried
ok $? "an immovable link: a link change of the main namespace is the cue to try again"
is "$(tail -n +"$((lines + 1))" "$T/oobd.log" | grep -c '^<3>moving brx0')" 1 \
	"an immovable link: the refusal is reported once, not at each try"
stop_oobd
ip link del brx0

# --- the NIC appears after oobd started ---
lines=$(wc -l < "$T/oobd.log")
write_nic_config "$T/oobd.conf"
start_oobd "$T/oobd.conf"
waiting() { tail -n +"$((lines + 1))" "$T/oobd.log" | grep -q 'waiting for it to appear'; }
wait_until 10 waiting
ok $? "no NIC yet: oobd says it is waiting"
make_nic ethx10
wait_until 15 ssh_banner "$OOB4"
ok $? "the NIC appeared: oobd claimed and configured it, sshd answers"
in_oob oob0; ok $? "the NIC appeared: it is oob0 inside"
end_case oob0

done_testing
