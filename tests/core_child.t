#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A child of a shared NIC (kind = macvlan or vlan), created inside the
# namespace in the background while the rest of the start-up goes on. A
# creation the kernel refuses is reported with its reason, nothing is left
# half-made, and the next link event of the main namespace retries it. VLAN
# children end to end where the kernel has 802.1Q.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

VID=7
make_keys
write_sshd_config

make_trunk

write_child_config() { # write_child_config KIND [LINE...]
	local kind=$1; shift
	printf '%s\n' '[interface]' "kind = $kind" 'parent = trunk0' "address = $OOB4/24" "gateway = $ADM4" "$@" |
		write_config "$T/oobd.conf"
}

# 1. A macvlan, refused: the parent already has a passthru macvlan, and the
# kernel allows no other child beside one.
ip link add link trunk0 name pt0 type macvlan mode passthru
write_child_config macvlan
OOBD_DEBUG=1 start_oobd "$T/oobd.conf"
wait_until 10 grep -q 'creating macvlan child of trunk0 oob0 in namespace "oob": ' "$T/oobd.log"
ok $? "a refused creation is reported" || diag "$(cat "$T/oobd.log")"
like "$(grep -m1 'creating macvlan child' "$T/oobd.log")" 'Invalid argument' "with the kernel's reason"
is "$(grep '^<3>' "$T/oobd.log" | grep -vc 'creating macvlan child')" 0 "and with no other error beside it"
# The second try (at debug level) must have happened before counting.
wait_until 10 grep -q '^<7>creating macvlan child' "$T/oobd.log"
ok $? "the start-up tries again, and the second refusal is logged at debug level"
is "$(grep -c '^<3>creating macvlan child' "$T/oobd.log")" 1 \
	"once: the second try of the start-up, refused the same way, is logged at debug level"
like "$(cat "$T/oobd.log")" 'creating a child of trunk0: under way' \
	"the creation was started in the background, beside the start-up"
check "the sshd listener runs meanwhile (wildcard addresses)" -- wait_until 10 grep -q 'sshd started' "$T/oobd.log"
check "oobd keeps running, waiting" -- kill -0 "$OOBD_PID"
ip -n oob link show oob0 >/dev/null 2>&1
ok $((!$?)) "no child in the namespace"

# 2. The passthru child goes; the next link event of the main namespace is
# the cue to try again.
ip link del pt0
ip link set trunk0 alias shared
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers through the macvlan child" || diag "$(cat "$T/oobd.log")"
like "$(ip -d -n oob -o link show oob0 2>&1)" "macvlan mode bridge" "oob0 is the macvlan inside oob"
like "$(ip -n oob -4 route show proto 176)" "^default via $ADM4 dev oob0" "the gateway, on the child"
stop_oobd
"$OOBD" -c "$T/oobd.conf" --down >>"$T/oobd.log" 2>&1
ok $? "oobd --down deletes it"

# 3. A VLAN child, where the kernel has 802.1Q.
if ip link add link trunk0 name probe.$VID type vlan id $VID 2>/dev/null; then
	ip link del probe.$VID
	ip -n admin link add link adm0 name adm0.$VID type vlan id $VID
	ip -n admin addr flush dev adm0
	ip -n admin addr add "$ADM4/24" dev adm0.$VID
	ip -n admin link set adm0.$VID up
	write_child_config vlan "vlan = $VID"
	: > "$T/oobd.log"
	start_oobd "$T/oobd.conf"
	wait_until 15 ssh_banner "$OOB4"
	ok $? "sshd answers through the VLAN child" || diag "$(cat "$T/oobd.log")"
	like "$(ip -d -n oob -o link show oob0 2>&1)" "vlan protocol 802.1Q id $VID" "oob0 is VLAN $VID inside oob"
	is "$(oob_ssh "$OOB4" 'ip -o -4 addr show dev oob0 | wc -l' 2>&1)" 1 "ssh over the VLAN"
	stop_oobd
	"$OOBD" -c "$T/oobd.conf" --down >>"$T/oobd.log" 2>&1
	ip link show oob0 >/dev/null 2>&1
	ok $((!$?)) "oobd --down deletes the VLAN child; it never reaches the main namespace"
else
	for d in "sshd answers through the VLAN child" "oob0 is VLAN $VID inside oob" "ssh over the VLAN" \
		"oobd --down deletes the VLAN child"; do
		skip "$d: this kernel has no 802.1Q VLAN support"
	done
fi
check "trunk0 is still there" -- ip link show trunk0

done_testing
