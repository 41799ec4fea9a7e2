# SPDX-License-Identifier: GPL-2.0-or-later
# A netlink dump that changes interrupt (NLM_F_DUMP_INTR) must not leave
# oobd's socket out of step. With many links in the main namespace, and
# links coming and going while oobd waits for its NIC (each change has it
# list the main namespace's links again, in several parts), interrupted
# listings are read to their end and made again, and the NIC is claimed as
# soon as it appears. Before the fix, one interrupted dump left the rest of
# its answer queued, and every later listing failed with "Protocol error",
# for good: the NIC was never claimed.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

make_keys
write_sshd_config
write_nic_config "$T/oobd.conf"

nic_in_oob() { ip -n oob -o link show oob0 2>/dev/null | grep -q "link/ether $NIC_MAC"; }

# 60 more links: a listing of the main namespace's links takes several
# parts, and a change between two of them interrupts it.
for i in $(seq 0 29); do echo "link add pad$i type veth peer name padp$i"; done > "$T/pad.batch"
ip -batch "$T/pad.batch"
ok $? "60 more links (veth pairs) in the main namespace"

OOBD_DEBUG=1 start_oobd "$T/oobd.conf"
wait_until 15 log_has 'not present; waiting for it to appear'
ok $? "oobd waits for its NIC" || bail "oobd did not get to wait for the NIC"

# Links come and go, in bursts, until oobd has seen a listing interrupted
# (or listing failed): at most 20 bursts.
for i in $(seq 0 199); do printf 'link add churn0 type veth peer name churn1\nlink del churn0\n'; done > "$T/churn.batch"
for burst in $(seq 1 20); do
	ip -batch "$T/churn.batch" >/dev/null 2>&1
	log_has 'interrupted by a change|listing links of the main namespace' && break
done
diag "$burst burst(s) of 200 veth pairs added and deleted"
wait_until 10 log_has 'interrupted by a change'
ok $? "a listing of the main namespace's links was interrupted by a change, and made again"

make_nic
wait_until 15 nic_in_oob
ok $? "the NIC that appears afterwards is claimed (moved into oob as oob0)"
unlike "$(cat "$T/oobd.log")" 'Protocol error' "no listing failed with a protocol error (socket out of step)"
n_fail=$(grep -c 'listing links of the main namespace' "$T/oobd.log")
n_intr=$(grep -c 'interrupted by a change' "$T/oobd.log")
diag "$n_intr interrupted listing(s) made again; $n_fail listing(s) failed (changed on every try)"
kill -0 "$OOBD_PID" 2>/dev/null
ok $? "oobd is still running"

stop_oobd
done_testing
