#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# oobd under valgrind's memcheck through a whole life: start, reload
# (SIGHUP), the NIC disappearing and coming back (re-adoption), stop
# (SIGTERM). Any memory error, and any leak found at exit, fails it.
#
# Children: oobd forks and the child execs sshd or a helper. valgrind does
# not follow the exec (--trace-children=no), so sshd runs natively; the
# short-lived forked copies of oobd are kept quiet (--child-silent-after-fork).
. "$(dirname "$0")/lib.sh"

command -v valgrind >/dev/null 2>&1 || skip_all "valgrind is not installed"
if [ -x "$OOBD" ] && grep -qa '__asan_init' "$OOBD"; then
	skip_all "$OOBD is built with AddressSanitizer (valgrind checks the plain build)"
fi
sandbox_enter "$@"

# valgrind slows oobd down many times over: generous deadlines.
LIMIT=120

make_keys
write_sshd_config
make_nic
CONF=$T/oobd.conf
printf '[interface]\nmatch = %s\naddress = %s/24\naddress = %s/64\n' "$NIC" "$OOB4" "$OOB6" | write_config "$CONF"

valgrind --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --track-origins=yes \
	--trace-children=no --child-silent-after-fork=yes \
	--log-file="$T/valgrind.log" \
	"$OOBD" -c "$CONF" >>"$T/oobd.log" 2>&1 &
VG_PID=$!

wait_until $LIMIT ssh_banner "$OOB4"
ok $? "oobd under valgrind brings sshd up on the NIC"
oob_ssh "$OOB4" true
ok $? "an ssh login works"

# Reload with a changed config: one address more.
sed -i "s|^address = $OOB4/24|&\naddress = 203.0.113.11/24|" "$CONF"
kill -HUP "$VG_PID"
wait_until $LIMIT sh -c "ip -n oob -4 addr show | grep -q '203.0.113.11/'"
ok $? "SIGHUP reloads the config (the new address appears)"
wait_until $LIMIT grep -q "reload done" "$T/oobd.log"
ok $? "the reload completes"

# The NIC disappears (the veth pair goes away) and comes back with the same
# name and MAC in the main namespace: oobd moves it in and configures it.
ip -n oob link del "$NIC"
wait_until $LIMIT sh -c "! ip -n oob link show $NIC"
ok $? "the NIC is gone"
make_nic
wait_until $LIMIT sh -c "ip -n oob -4 addr show dev $NIC | grep -q '$OOB4/'"
ok $? "the recreated NIC is adopted and addressed again"
wait_until $LIMIT ssh_banner "$OOB4"
ok $? "sshd answers on it again"

kill -TERM "$VG_PID"
wait_until $LIMIT sh -c "! kill -0 $VG_PID"
ok $? "SIGTERM stops oobd"
wait "$VG_PID"; st=$?
is "$st" 0 "valgrind reports no error and no leak (exit status)"
summary=$(grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|Invalid|uninitialised' "$T/valgrind.log")
like "$summary" "ERROR SUMMARY: 0 errors" "valgrind's summary: 0 errors"
unlike "$summary" "(definitely|indirectly|possibly) lost: [1-9]" "no leaked bytes at exit"
if [ "$st" -ne 0 ] || [ "$_tap_failed" -ne 0 ] || [ -n "${VG_SHOW:-}" ]; then
	diag "--- valgrind log"
	sed 's/^/#   /' "$T/valgrind.log" | tail -n 100
fi

done_testing
