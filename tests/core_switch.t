#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The config switched between a macvlan child and a physical NIC (matched by
# MAC, then by name), oobd restarted each time with the namespace left in
# place: the link under the NIC's name inside is taken only if it is the NIC
# the config describes. The child oobd made is deleted, the physical NIC it
# moved in goes back to the main namespace under its name, and a link made
# by hand under that name is renamed out of the way; the path comes up on
# the configured NIC every time.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

make_keys
write_sshd_config
# The physical NIC: oobnic, its peer adm0 in namespace "admin".
make_nic
# The shared NIC: trunk0, its peer adm0 in namespace "trunkside", with the
# same addresses: only the path the config names answers from each side.
make_trunk trunkside
kind_in_ns() { ip -d -n oob -o link show "$1" 2>/dev/null | grep -Eo '^[0-9]+: [^:]+:.*' | grep -Eqw "$2"; }

write_config "$T/macvlan.conf" <<EOF
[interface]
kind = macvlan
parent = trunk0
address = $OOB4/24
EOF
write_nic_config "$T/mac.conf"
printf '%s\n' '[interface]' "match = $NIC" 'rename = oob0' "address = $OOB4/24" | write_config "$T/name.conf"

# 1. macvlan, then the physical NIC by MAC.
start_oobd "$T/macvlan.conf"
wait_until 15 banner_from trunkside "$OOB4"
ok $? "macvlan: sshd answers through the child" || bail "oobd did not come up"
stop_oobd
mark=$(log_mark)
start_oobd "$T/mac.conf"
wait_until 15 banner_from admin "$OOB4"
ok $? "macvlan -> NIC by MAC: sshd answers through the physical NIC"
like "$(ip -d -n oob -o link show oob0)" "link/ether $NIC_MAC .* veth " "oob0 inside is the NIC now"
! ip link show "$NIC" >/dev/null 2>&1
ok $? "the NIC left the main namespace"
unlike "$(ip -d -n oob -o link)" "macvlan" "the child oobd made is gone"
log_after "$mark" 'macvlan oob0 .*which oobd created, is not the NIC the config describes; deleted it'
ok $? "its removal is logged"
stop_oobd

# 2. The physical NIC, then macvlan.
mark=$(log_mark)
start_oobd "$T/macvlan.conf"
wait_until 15 banner_from trunkside "$OOB4"
ok $? "NIC -> macvlan: sshd answers through the child"
like "$(ip -d -n oob -o link show oob0)" "macvlan mode bridge" "oob0 inside is a macvlan now"
like "$(ip -o link show "$NIC" 2>&1)" "link/ether $NIC_MAC" "the NIC is back in the main namespace under its name"
log_after "$mark" "handed oob0 back to the main namespace as $NIC"
ok $? "the hand-back is logged"
stop_oobd

# 3. macvlan, then the physical NIC by name.
mark=$(log_mark)
start_oobd "$T/name.conf"
wait_until 15 banner_from admin "$OOB4"
ok $? "macvlan -> NIC by name: sshd answers through the physical NIC"
like "$(ip -d -n oob -o link show oob0)" "link/ether $NIC_MAC .* veth " "oob0 inside is the NIC now"
unlike "$(ip -d -n oob -o link)" "macvlan" "the child oobd made is gone"
stop_oobd

# 4. A link made by hand under the NIC's name, in a namespace oobd adopts.
"$OOBD" -c "$T/name.conf" --down >>"$T/oobd.log" 2>&1
ok $? "oobd --down"
ip netns add oob
ip -n oob link add oob0 type bridge
ip -n oob link set oob0 up
mark=$(log_mark)
start_oobd "$T/mac.conf"
wait_until 15 banner_from admin "$OOB4"
ok $? "a bridge oob0 made by hand: sshd answers through the physical NIC"
like "$(ip -d -n oob -o link show oob0)" "link/ether $NIC_MAC .* veth " "oob0 inside is the NIC"
like "$(ip -d -n oob -o link)" "stale[0-9]+: .* bridge " "the bridge is still there, under another name"
log_after "$mark" 'bridge oob0 .* not the NIC the config describes .*renamed it stale[0-9]+'
ok $? "the rename is logged"
stop_oobd

done_testing
