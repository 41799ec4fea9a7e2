#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What an earlier oobd left in the namespace under another name than the
# NIC's, found when oobd starts again with a changed config and adopts the
# namespace: a macvlan child it made (the MAC it derives) is deleted, the
# physical NIC it moved in (nic.name says which) goes back to the main
# namespace, and its addresses (IFA_PROTO 176) are removed from any other
# link, which stays (a vlan carries no mark of oobd's). The admin's own
# links in the namespace, and their addresses, are left alone.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

make_keys
write_sshd_config
# The physical NIC: oobnic, its peer adm0 in namespace "admin".
make_nic
# The shared NIC: trunk0, its peer adm0 in namespace "trunkside".
make_trunk trunkside
child_config() { # child_config FILE KIND NAME [LINE...]
	local f=$1 kind=$2 name=$3; shift 3
	printf '%s\n' '[interface]' "kind = $kind" 'parent = trunk0' "rename = $name" "address = $OOB4/24" "$@" |
		write_config "$f"
}
addrs_of() { ip -n oob -o -4 addr show dev "$1" 2>&1; }
has_addr() { addrs_of "$1" | grep -q "$2"; } # has_addr LINK ADDR
is_up() { ip -n oob -o link show "$1" 2>/dev/null | grep -q ',UP'; }

child_config "$T/mvA.conf" macvlan mvA
child_config "$T/mvB.conf" macvlan mvB
child_config "$T/mvC.conf" macvlan mvC
child_config "$T/v10.conf" vlan v10 'vlan = 10'
printf '%s\n' '[interface]' "match = $NIC" 'rename = oob0' "address = $OOB4/24" | write_config "$T/name.conf"

# 1. A macvlan child named mvA.
start_oobd "$T/mvA.conf"
wait_until 15 banner_from trunkside "$OOB4"
ok $? "macvlan mvA: sshd answers through the child" || bail "oobd did not come up"
stop_oobd

# The admin's own links in the namespace: a veth pair and a macvlan of
# trunk0 (a MAC of the kernel's), each with an address of its own.
ip -n oob link add own0 type veth peer name own1
ip -n oob addr add 198.51.100.1/24 dev own0
ip -n oob link set own0 up
ip -n oob link set own1 up
ip link add ownmv link trunk0 type macvlan mode bridge
ip link set ownmv netns oob
ip -n oob addr add 198.51.100.9/24 dev ownmv
own_before=$(ip -n oob -o link show own0; ip -n oob -o link show ownmv; addrs_of own0; addrs_of ownmv)

# 2. Renamed mvB: the child mvA is gone, mvB takes its place.
mark=$(log_mark)
start_oobd "$T/mvB.conf"
wait_until 15 banner_from trunkside "$OOB4"
ok $? "mvA -> mvB: sshd answers through the child"
like "$(ip -d -n oob -o link show mvB 2>&1)" "macvlan mode bridge" "mvB is a macvlan inside"
wait_until 15 is_up mvB
ok $? "mvB is up (no other child holds its MAC)"
! ip -n oob link show mvA >/dev/null 2>&1
ok $? "mvA is gone"
log_after "$mark" 'macvlan mvA .*oobd created.*deleted it'
ok $? "its removal is logged"
stop_oobd

# 3. A vlan child v10 (where the kernel has vlans): the macvlan mvB is
# gone. Then the physical NIC by name, as oob0: the vlan stays (nothing
# tells it from one made by hand), without oobd's address.
VLANS=0
if ip link add link trunk0 name probe.10 type vlan id 10 2>/dev/null; then
	ip link del probe.10
	VLANS=1
	start_oobd "$T/v10.conf"
	wait_until 15 has_addr v10 "$OOB4/24"
	ok $? "mvB -> vlan v10: v10 has the address"
	! ip -n oob link show mvB >/dev/null 2>&1
	ok $? "mvB is gone"
	stop_oobd
	gone=v10
else
	skip "no vlan support in this kernel"
	skip "no vlan support in this kernel"
	gone=mvB
fi

# 4. The physical NIC by name, as oob0.
mark=$(log_mark)
start_oobd "$T/name.conf"
wait_until 15 banner_from admin "$OOB4"
ok $? "$gone -> NIC: sshd answers through the physical NIC"
if [ "$VLANS" = 1 ]; then
	like "$(ip -d -n oob -o link show v10 2>&1)" "vlan protocol 802.1Q id 10" "v10 is still there"
	unlike "$(addrs_of v10)" "$OOB4" "oobd's address is gone from v10"
	log_after "$mark" "removed oobd's address $OOB4/24 from v10"
	ok $? "the removal is logged"
else
	! ip -n oob link show mvB >/dev/null 2>&1
	ok $? "mvB is gone"
	skip "no vlan support in this kernel"
	skip "no vlan support in this kernel"
fi
stop_oobd

# 5. A macvlan child again: the NIC oobd moved in goes back as it was.
mark=$(log_mark)
start_oobd "$T/mvC.conf"
wait_until 15 banner_from trunkside "$OOB4"
ok $? "NIC -> macvlan mvC: sshd answers through the child"
like "$(ip -o link show "$NIC" 2>&1)" "link/ether $NIC_MAC" "the NIC is back in the main namespace under its name"
! ip -n oob link show oob0 >/dev/null 2>&1
ok $? "oob0 is gone from the namespace"
log_after "$mark" "handed oob0 back to the main namespace as $NIC"
ok $? "the hand-back is logged"

# Once only: a reload (the same reconcile) removes and logs nothing more.
mark=$(log_mark)
kill -HUP "$OOBD_PID"
wait_until 15 log_after "$mark" 'reload done'
ok $? "reloaded"
! log_after "$mark" 'deleted it|handed .* back|removed oobd'
ok $? "nothing more is removed or logged"
stop_oobd

# 6. The NIC again, then the macvlan child, with nic.name as an older oobd
# wrote it (the name only): nothing tells which link inside the NIC is, so
# it stays there, without oobd's address.
start_oobd "$T/name.conf"
wait_until 15 banner_from admin "$OOB4"
ok $? "mvC -> NIC: sshd answers through the physical NIC"
! ip -n oob link show mvC >/dev/null 2>&1
ok $? "mvC is gone"
stop_oobd
printf '%s\n' "$NIC" > /run/oobd/nic.name
mark=$(log_mark)
start_oobd "$T/mvC.conf"
wait_until 15 banner_from trunkside "$OOB4"
ok $? "NIC -> macvlan mvC: sshd answers through the child"
like "$(ip -o -n oob link show oob0 2>&1)" "link/ether $NIC_MAC" "oob0, not known as the NIC oobd moved in, stays"
unlike "$(addrs_of oob0)" "$OOB4" "oobd's address is gone from oob0"
log_after "$mark" "removed oobd's address $OOB4/24 from oob0"
ok $? "the removal is logged"
stop_oobd

is "$(ip -n oob -o link show own0; ip -n oob -o link show ownmv; addrs_of own0; addrs_of ownmv)" "$own_before" \
	"the admin's veth and macvlan, and their addresses, are untouched"

# 7. The NIC adopted under the name nic.name has (it learns which link it
# is), renamed by hand, then "oobd --down" with a config that names another
# NIC: the one oobd moved in goes back to the main namespace all the same.
start_oobd "$T/name.conf"
wait_until 15 banner_from admin "$OOB4"
ok $? "mvC -> NIC: sshd answers through the physical NIC"
stop_oobd
ip -n oob link set oob0 name old0
mark=$(log_mark)
"$OOBD" -c "$T/mvC.conf" --down >>"$T/oobd.log" 2>&1
ok $? "oobd --down with the macvlan config"
like "$(ip -o link show "$NIC" 2>&1)" "link/ether $NIC_MAC" "the NIC is back in the main namespace under its name"
log_after "$mark" "handed old0 back to the main namespace as $NIC"
ok $? "the hand-back is logged"

done_testing
