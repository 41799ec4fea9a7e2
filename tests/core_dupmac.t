#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Two links with the configured MAC in the main namespace: oobd refuses to
# guess, says so once (not at every unrelated link event), and status says
# why no NIC is taken.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
OOBCTL=$BUILD/oobctl
make_keys
write_sshd_config
write_nic_config "$T/oobd.conf" "gateway = $ADM4"
ip link add dupa address "$NIC_MAC" type veth peer name dupa1
ip link add dupb address "$NIC_MAC" type veth peer name dupb1
start_oobd "$T/oobd.conf"
wait_until 10 log_has "several links match"
ok $? "oobd refuses to guess, and says so" || bail "no refusal"
like "$("$OOBCTL" status --json | jq -r '.problems[]')" "several links" "status says why no NIC is taken"
ip link add flap0 type veth peer name flap1
mark=$(log_mark)
for i in $(seq 1 20); do ip link set flap0 up; ip link set flap0 down; done
ip link del dupb # one left: taken, after the 40 events before
wait_until 10 log_after "$mark" '^<6>moved dupa '
ok $? "once one link is left, it is taken"
n=$(tail -n +"$((mark + 1))" "$T/oobd.log" | sed '/^<6>moved dupa /q' | grep -c "several links match")
is "$n" 0 "40 unrelated link events before: the refusal was not logged again"
stop_oobd
done_testing
