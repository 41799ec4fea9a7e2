#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A configured IPv6 address that another host on the link already uses
# (duplicate address detection fails): unusable, so status says so.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
OOBCTL=$BUILD/oobctl
make_nic
make_keys
write_sshd_config
ip -n admin addr add "$OOB6/64" dev adm0 nodad # someone else has it
write_nic_config "$T/oobd.conf" "address = $OOB6/64" "gateway = $ADM4"
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers over IPv4" || bail "oobd did not come up"
check "DAD failed for $OOB6" -- wait_until 10 eval 'ip -n oob -6 addr show dev oob0 | grep -q dadfailed'
dup() { "$OOBCTL" status --json | jq -e --arg a "$OOB6/64" '.health == "degraded" and ([.addresses[] | select(.address == $a and .state == "duplicate")] | length == 1)'; }
check "status: degraded, the address in state duplicate" -- wait_until 10 dup
like "$("$OOBCTL" status)" "$OOB6" "the text status names it"
stop_oobd
done_testing
