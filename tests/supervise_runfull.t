# SPDX-License-Identifier: GPL-2.0-or-later
# A full /run (a runaway log, on the day everything else is broken): the NIC
# is still claimed, the state file that keeps its name in the main
# namespace cannot be written and the log says so, and "oobctl down" still
# hands it back under that name, which oobd kept in memory; it answers
# "incomplete", since the mark that keeps the path down across a restart
# of oobd cannot be written either.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
# A small /run/oobd of this sandbox's own, to fill (the test's files and
# oobd's log stay on /run).
mkdir -p /run/oobd
mount -t tmpfs -o size=4m,mode=0755 tmpfs /run/oobd
make_keys
write_sshd_config
write_nic_config "$T/oobd.conf"
start_oobd "$T/oobd.conf"
wait_until 15 log_has 'waiting for it to appear'
ok $? "oobd waits for the NIC"
dd if=/dev/zero of=/run/oobd/fill bs=64k >/dev/null 2>&1
make_nic
wait_until 15 ip -n oob link show oob0
ok $? "with /run full, the NIC is still claimed (moved in as oob0)"
wait_until 10 log_has "^<4>writing /run/oobd/nic.name: No space left on device; an oobd --down after a restart will not know the NIC's name $NIC"
ok $? "the log says the NIC's name could not be kept on disk, and which it is"
out=$("$OOBCTL" down --yes 2>&1)
is "$?" 1 "oobctl down with /run full: exit status 1"
like "$out" "^incomplete$|could not be written .*: if oobd restarts, it brings the path back up" \
	"it says the down would not survive a restart of oobd"
ip link show "$NIC" >/dev/null 2>&1
ok $? "the NIC is handed back under its name in the main namespace, $NIC"
rm -f /run/oobd/fill
"$OOBCTL" up >/dev/null 2>&1
is "$?" 0 "oobctl up"
wait_until 15 ip -n oob link show oob0
ok $? "the NIC is in the namespace again"
"$OOBCTL" down --yes >/dev/null 2>&1
is "$?" 0 "oobctl down, with room in /run: exit status 0"
test -e /run/oobd/down
ok $? "the down is kept in /run/oobd/down"
stop_oobd
done_testing
