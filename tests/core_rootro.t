#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The root file system remounted read-only (ext4 errors=remount-ro): /etc
# cannot be written, /run still can. The out-of-band path comes up all the
# same, and an admin logs in over it; only the resolv.conf overlay is
# missing, which oobd logs once, reports in "oobctl status", and writes as
# soon as it can: when the mount table changes (a remount read-write), or
# at its next retry. The same with oobd already running when
# the file system goes read-only and a reload changes [dns]. And a host key
# the sshd config names under the read-only /etc, missing: ssh-keygen
# cannot make it, and sshd runs with the built-in config and its own key
# under /run.
#
# Read-only here is the sandbox's own bind mounts (remount,bind,ro: a flag
# of the mount in this private mount namespace, not of the file system).
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
OOBCTL=$BUILD/oobctl
[ -x "$OOBCTL" ] || bail "$OOBCTL not built (run make)"
command -v jq >/dev/null || skip_all "needs jq"
RESOLV=/etc/netns/oob/resolv.conf
js() { "$OOBCTL" status --json | jq -r "$@"; }

make_nic
make_keys
write_sshd_config
write_nic_config "$T/oobd.conf" '[dns]' 'nameserver = 203.0.113.53'

# / (so /etc) and the test's /etc/netns, read-only in this sandbox only.
rootro() { mount -o "remount,bind,$1" / && mount -o "remount,bind,$1" /etc/netns; }
rootro ro || bail "cannot remount the sandbox's / read-only"
! touch /etc/netns/probe 2>/dev/null && ! mkdir /etc/oobd-rootro-probe 2>/dev/null
ok $? "/etc and /etc/netns are read-only in the sandbox" || bail "not read-only"
touch /run/probe
ok $? "/run is still writable"

# --- started on a read-only root ---
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers with /etc read-only" || bail "oobd did not come up"
is "$(oob_ssh "$OOB4" echo logged-in 2>>"$T/ssh.log")" "logged-in" "an admin logs in over the path"
check "no overlay was written" -- test ! -e "$RESOLV"

txt=$("$OOBCTL" status)
like "$txt" "! the resolv\.conf overlay $RESOLV cannot be written: Read-only file system" \
	"status reports the overlay that cannot be written, and why"
is "$(js .dns.error)" "Read-only file system" "status --json: dns.error"
is "$(js .health)" "degraded" "status --json: degraded"

# Reconciles (an address of oobd's deleted, put back) try the overlay again,
# but the same error is not logged again.
mark=$(log_mark)
ip -n oob addr del "$OOB4/24" dev oob0
check "the address is put back" -- wait_until 10 log_after "$mark" "putting it back"
wait_until 10 ssh_banner "$OOB4"
is "$(grep -c "writing $RESOLV: Read-only file system" "$T/oobd.log")" 1 \
	"the overlay's failure is logged once, not at every reconcile"
like "$(grep "writing $RESOLV" "$T/oobd.log")" '^<3>' "at error level"

# Writable again: the overlay is written at once, on the mount table's
# change (oobd watches it while the overlay waits), not at the next retry.
rootro rw
check "the overlay is written once /etc is writable again" -- wait_until 40 grep -qx 'nameserver 203.0.113.53' "$RESOLV"
check "logged" -- log_has "writing $RESOLV: done now"
check "... on the mount table's change" -- log_has "the resolv.conf overlay was written after a change of the mount table"
unlike "$("$OOBCTL" status)" "resolv\.conf overlay" "status no longer reports the overlay"
is "$(js .dns.error)" "null" "status --json: dns.error is null"

# --- running when the file system goes read-only; a reload changes [dns] ---
rootro ro
write_nic_config "$T/oobd.conf" '[dns]' 'nameserver = 203.0.113.54'
mark=$(log_mark)
"$OOBCTL" reload >/dev/null
ok $? "a reload with another [dns] is taken"
check "the overlay's failure is logged again after the reload" -- \
	log_after "$mark" "^<3>writing $RESOLV: Read-only file system"
like "$("$OOBCTL" status)" "! the resolv\.conf overlay $RESOLV cannot be written: Read-only file system" \
	"status reports it, though the old overlay is still there"
is "$(oob_ssh "$OOB4" echo logged-in 2>>"$T/ssh.log")" "logged-in" "the admin still logs in"
rootro rw
check "the new overlay is written once /etc is writable again" -- \
	wait_until 40 grep -qx 'nameserver 203.0.113.54' "$RESOLV"
is "$(grep -c "after a change of the mount table" "$T/oobd.log")" 2 "... again on the mount table's change"

# --- restarted (as the service manager would) with a host key it cannot make ---
stop_oobd
sed -i "s|^HostKey .*|HostKey /etc/oobd-rootro/ssh_host_ed25519_key|" "$T/sshd_config"
rm -f /run/oobd/sshd_config.last-good "$T/known_hosts" # a boot: nothing from before in /run
rootro ro
mark=$(log_mark)
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers without its configured host key" || bail "no sshd"
is "$(oob_ssh "$OOB4" echo logged-in 2>>"$T/ssh.log")" "logged-in" "an admin logs in (the built-in config's host key)"
check "ssh-keygen's failure is logged" -- log_after "$mark" "ssh-keygen for /etc/oobd-rootro/ssh_host_ed25519_key"
like "$("$OOBCTL" status)" "! sshd runs with the built-in config" "status reports the built-in config"
is "$(js '.services[0].config')" "built-in" "status --json: sshd's config is the built-in one"

stop_oobd
done_testing
