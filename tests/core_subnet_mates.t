#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Removing one of oobd's IPv4 addresses keeps the other addresses of its
# subnet on the NIC, the administrator's among them. With
# promote_secondaries 0 (the kernel's default in a fresh namespace) the
# kernel deletes a primary address's secondaries with it: a reload that
# dropped oobd's first address of a subnet took an address an admin had
# added by hand along (gone for good), and oobd's own other address of
# that subnet (put back, as a repair). oobd writes promote_secondaries = 1
# among its defaults; a config's [sysctl] key wins over it.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
OOBCTL=$BUILD/oobctl
[ -x "$OOBCTL" ] || bail "$OOBCTL not built (run make)"
command -v jq >/dev/null || skip_all "needs jq"
FIRST=203.0.113.20
MINE=203.0.113.50

make_nic
make_keys
write_sshd_config
conf() { # conf [LINE...]: the NIC with FIRST (the subnet's primary) and OOB4
	printf '%s\n' '[interface]' "match = mac:$NIC_MAC" 'rename = oob0' "address = $FIRST/24" \
		"address = $OOB4/24" "$@" | write_config "$T/oobd.conf"
}
addrs() { ip -n oob -4 -o addr show dev oob0 | awk '{ print $4 ($0 ~ / secondary / ? " secondary" : "") }'; }
repairs() { "$OOBCTL" status --json | jq -r .repairs; }

conf
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "oobd did not come up"
for k in all default oob0; do
	is "$(ip netns exec oob sysctl -n "net.ipv4.conf.$k.promote_secondaries")" 1 \
		"net.ipv4.conf.$k.promote_secondaries is 1 in the namespace"
done
ip -n oob addr add "$MINE/24" dev oob0
ok $? "the administrator adds $MINE/24 by hand"
is "$(addrs | tr '\n' ' ')" "$FIRST/24 $OOB4/24 secondary $MINE/24 secondary " \
	"oobd's first address is the subnet's primary; the others are secondaries"
before=$(repairs)

# --- a reload drops the primary ---
conf
sed -i "/^address = $FIRST\/24$/d" "$T/oobd.conf"
"$OOBCTL" reload >/dev/null 2>&1
ok $? "a reload that removes $FIRST/24"
is "$(addrs | tr '\n' ' ')" "$OOB4/24 $MINE/24 secondary " \
	"$FIRST is gone; oobd's $OOB4 and the administrator's $MINE stay"
is "$(repairs)" "$before" "... with no repair: $OOB4 was never gone"
! log_has "had disappeared|putting it back| [1-9][0-9]* failed$"
ok $? "... and nothing is logged as put back or failed"
check "sshd answers at $OOB4" -- wait_until 10 ssh_banner "$OOB4"
like "$("$OOBCTL" status)" "$MINE/24 +other" "status lists the administrator's address as another's"

# --- the config's own value wins ---
conf '[sysctl]' 'net.ipv4.conf.oob0.promote_secondaries = 0'
sed -i "/^address = $FIRST\/24$/d" "$T/oobd.conf"
"$OOBCTL" reload >/dev/null 2>&1
ok $? "a reload with promote_secondaries = 0 for oob0 in [sysctl]"
is "$(ip netns exec oob sysctl -n net.ipv4.conf.oob0.promote_secondaries)" 0 "the config's value is written"
is "$(ip netns exec oob sysctl -n net.ipv4.conf.all.promote_secondaries)" 1 "oobd's default stays for the keys it does not set"
"$OOBCTL" status >/dev/null
ok $? "status is ok: the configured value holds"

stop_oobd
done_testing
