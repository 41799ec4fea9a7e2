#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# An MTU changed by hand on the NIC inside the namespace is set back to the
# configured one at once (the link's change is an event like a removed
# address), with a warning, counted as a repair. Below IPv6's 1280 the
# kernel also drops the NIC's IPv6 addresses: they come back with the MTU,
# the kernel's link-local one too. Without "mtu" in the config, oobd leaves
# the MTU alone.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
OOBCTL=$BUILD/oobctl
LL=fe80::5eff:fe00:5301 # EUI-64 of $NIC_MAC
path_up "mtu = 1400" "address = $OOB6/64 nodad" "gateway = $ADM6"
mtu() { ip -n oob -o link show dev oob0 | sed -n 's/.* mtu \([0-9]*\) .*/\1/p'; }
mtu_is() { [ "$(mtu)" = "$1" ]; }
is "$(mtu)" 1400 "the configured MTU"
js() { "$OOBCTL" status --json | jq -r "$1"; }
repairs=$(js .repairs)

mark=$(log_mark)
ip -n oob link set oob0 mtu 1300
check "set back to 1400 at once" -- wait_until 10 mtu_is 1400
check "logged" -- wait_until 10 log_after "$mark" "the MTU of oob0 had been changed to 1300; set it to 1400 again"
check "counted as a repair" -- wait_until 10 eval '[ "$(js .repairs)" -gt "$repairs" ]'
check "status: healthy" -- wait_until 10 eval '[ "$(js .health)" = ok ]'

# Under 1280 the kernel stops IPv6 on the link.
ip -n oob link set oob0 mtu 1200
check "from 1200: set back to 1400" -- wait_until 10 mtu_is 1400
has6() { ip -n oob -6 addr show dev oob0 | grep -q "$1"; }
check "from 1200: $OOB6 is back" -- wait_until 10 has6 "$OOB6/64"
check "from 1200: the link-local address is back" -- wait_until 10 has6 "$LL/64"
check "from 1200: the IPv6 default route is back" -- wait_until 10 eval 'ip -n oob -6 route show default | grep -q "via $ADM6"'
check "from 1200: sshd answers over IPv6" -- wait_until 10 ssh_banner "$OOB6"

# No MTU in the config: the NIC's is left as it is.
stop_oobd
write_nic_config "$T/oobd.conf" "address = $OOB6/64 nodad" "gateway = $ADM6"
ip -n oob link set oob0 mtu 1300
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "no mtu: sshd answers" || bail "oobd did not come up again"
is "$(mtu)" 1300 "no mtu: adopted as it is"
ip -n oob link set oob0 mtu 1350
ip -n oob -6 route del default # a reconcile, which must not touch it
check "no mtu: a reconcile ran" -- wait_until 10 eval 'ip -n oob -6 route show default | grep -q "via $ADM6"'
is "$(mtu)" 1350 "no mtu: changed by hand, left alone"
check "no mtu: status healthy" -- wait_until 10 eval '[ "$(js .health)" = ok ]'
stop_oobd

# An MTU the kernel refuses (a macvlan child's above its parent's): said
# once, not tried again at each change of the link, and status says so.
"$OOBD" --down -c "$T/oobd.conf" >>"$T/oobd.log" 2>&1
ip link add trunk1 type veth peer name trunk1p
ip link set trunk1 up
printf '%s\n' '[interface]' 'kind = macvlan' 'parent = trunk1' "address = $OOB4/24" 'mtu = 1600' |
	write_config "$T/oobd.conf"
mark=$(log_mark)
OOBD_DEBUG=1 start_oobd "$T/oobd.conf"
check "refused: reported" -- wait_until 15 log_after "$mark" '^<3>setting MTU 1600 on oob0 \(now 1500\)'
check "refused: the child is up all the same" -- wait_until 10 eval 'ip -n oob link show oob0 | grep -q ",UP"'
check "refused: status says so" -- wait_until 10 eval \
	'js ".problems[]" | grep -q "the NIC oob0 has MTU 1500, configured 1600"'
is "$(tail -n +"$((mark + 1))" "$T/oobd.log" | grep -c '^<3>setting MTU 1600 on oob0')" 1 \
	"refused: logged at error level once"
mark=$(log_mark)
ip -n oob link set oob0 alias "changed by hand" # a change of the link: not tried again
ip -n oob link set oob0 mtu 1400 # another MTU: tried again
check "refused: another MTU by hand, tried again" -- wait_until 10 log_after "$mark" \
	'^<3>setting MTU 1600 on oob0 \(now 1400\)'
is "$(tail -n +"$((mark + 1))" "$T/oobd.log" | grep -c 'setting MTU 1600 on oob0 (now 1500)')" 0 \
	"refused: not tried again for the other change of the link"
stop_oobd
done_testing
