#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The host-wide xtables lock (/run/xtables.lock), held for good by another
# program (a firewall script of the main system that hangs): every legacy
# iptables program of the host takes it, whatever its namespace, and the
# namespace's tables are its own. The out-of-band path still comes up with
# its rules files in place, read by oobd itself (IPv4) or applied by
# ip6tables-legacy-restore (IPv6, a rule beyond what oobd reads), after one
# wait of 10 s per firewall update, not one per change; a reload does the
# same; once the lock is free again, nothing is said of it.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
command -v ip6tables-legacy-restore >/dev/null || skip_all "needs iptables (legacy tools)"

OOBCTL=$BUILD/oobctl
make_nic
make_keys
write_sshd_config
cp "$SRC_DIR/conf/firewall-v4.rules" "$T/v4.rules"
# A rule only the restore tool can apply (iptrestore.c does not read -m state).
sed 's/^COMMIT$/-A INPUT -p tcp --dport 2222 -m state --state NEW -j ACCEPT\nCOMMIT/' \
	"$SRC_DIR/conf/firewall-v6.rules" > "$T/v6.rules"
chmod 600 "$T/v4.rules" "$T/v6.rules"
write_nic_config "$T/oobd.conf" "address = $OOB6/64" '[firewall]' "ipv4 = $T/v4.rules" "ipv6 = $T/v6.rules"

expected() { # expected 4|6 FILE: the file as iptables-legacy-save shows it once applied
	local scratch=lockcheck$1 r
	ip netns add "$scratch"
	if [ "$1" = 4 ]; then r=iptables-legacy; else r=ip6tables-legacy; fi
	XTABLES_LOCKFILE=$T/scratch.lock ip netns exec "$scratch" "$r-restore" < "$2"
	ip netns exec "$scratch" "$r-save" | ruleset_strip
	ip netns del "$scratch"
}
expected 4 "$T/v4.rules" > "$T/want4"
expected 6 "$T/v6.rules" > "$T/want6"
source_of() { "$OOBCTL" status --json | jq -r ".firewall.ipv$1.source"; }
warned='^<4>the xtables lock \(/run/xtables\.lock\) stayed held by another program for 10 s; changing the namespace.s rules without it'

flock -o /run/xtables.lock sleep 100000 &
HOLDER=$!
wait_until 5 eval '! flock -n /run/xtables.lock true'
ok $? "another program holds the xtables lock"

start_oobd "$T/oobd.conf"
wait_until 60 ssh_banner "$OOB4"
ok $? "the path comes up while the lock stays held" || bail "oobd did not come up"
is "$(oob_ruleset 4)" "$(cat "$T/want4")" "the IPv4 file is in place"
is "$(oob_ruleset 6)" "$(cat "$T/want6")" "the IPv6 file is in place (restore, with a lock of oobd's own)"
is "$(source_of 4)/$(source_of 6)" "file/file" "status: both families run their files"
is "$(grep -cE "$warned" "$T/oobd.log")" 1 "the wait is logged once for the start-up's update"
! log_has 'built-in ruleset|not bringing the NIC up'
ok $? "no fallback to the built-in ruleset, the NIC not held back"
is "$(oob_ssh "$OOB4" echo through 2>&1)" "through" "ssh works through the path"

# A reload with a changed file: applied, with one wait.
sed -i 's/^COMMIT$/-A INPUT -p tcp --dport 8022 -j ACCEPT\nCOMMIT/' "$T/v4.rules"
expected 4 "$T/v4.rules" > "$T/want4"
mark=$(log_mark)
out=$(timeout 90 "$OOBCTL" reload 2>&1)
is "$?" 0 "reload while the lock stays held: exit 0" || diag "$out"
is "$(oob_ruleset 4)" "$(cat "$T/want4")" "the changed IPv4 file is in place"
is "$(tail -n +"$((mark + 1))" "$T/oobd.log" | grep -cE "$warned")" 1 "the reload waited once"

# The lock free again: taken as usual, nothing said.
kill "$HOLDER"
wait "$HOLDER" 2>/dev/null
sed -i 's/--dport 8022/--dport 8023/' "$T/v4.rules"
mark=$(log_mark)
"$OOBCTL" reload >/dev/null 2>&1
is "$?" 0 "reload with the lock free: exit 0"
! log_after "$mark" 'xtables lock'
ok $? "nothing is said of the lock"
like "$(oob_ruleset 4)" "--dport 8023 -j ACCEPT" "the change is in place"
stop_oobd
done_testing
