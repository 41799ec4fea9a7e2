# SPDX-License-Identifier: GPL-2.0-or-later
# An sshd config that listens on the NIC's own IPv6 address, added without
# nodad: the address is tentative for a second or two (duplicate address
# detection) after it is added, and sshd cannot bind it meanwhile. oobd
# starts sshd only once the address is usable, at start-up and when the NIC
# comes back (the configured config had failed without it); the address
# listed first or second, sshd listens on every configured address and its
# config is not marked failed. DAD that fails does not hold the start up; a
# link without carrier (DAD never runs) holds it up 10 s at most. nodad
# addresses are not waited for.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
[ -x "$OOBCTL" ] || bail "$OOBCTL not built (run make)"

make_keys
write_sshd_config
sed -i '/^ListenAddress/d' "$T/sshd_config"
listen() { # listen ADDR...: the sshd config's ListenAddress lines, in order
	sed -i '/^ListenAddress/d' "$T/sshd_config"
	local a
	for a in "$@"; do echo "ListenAddress $a" >> "$T/sshd_config"; done
}
status_ok() { "$OOBCTL" status >/dev/null 2>&1; }
listening() { ip netns exec oob ss -Htln | awk '{ print $4 }' | sort | tr '\n' ' '; }
BOTH="$OOB4:22 [$OOB6]:22 "
no_bad_judgement() { # no_bad_judgement MARK LABEL
	! log_after "$1" 'showed no SSH banner|marking it failed|instead of'
	ok $? "$2: no config was judged failed"
	! log_after "$1" "Bind to port 22 on $OOB6 failed"
	ok $? "$2: sshd did not fail to bind $OOB6"
}

# --- the NIC comes back: the configured config is tried again once the
# address is usable (IPv6 address listed first) ---
listen "[$OOB6]:22" "$OOB4:22"
write_nic_config "$T/oobd.conf" "address = $OOB6/64"
start_oobd "$T/oobd.conf"
wait_until 15 log_has '^<6>sshd ready \(pid [0-9]+, built-in config'
ok $? "no NIC, so no address to bind: sshd runs with the built-in config" || bail "oobd did not come up"
mark=$(log_mark)
make_nic
wait_until 15 log_after "$mark" '^<5>the NIC is back; trying sshd with the configured config again'
ok $? "the NIC appears: the configured sshd config is tried again"
wait_until 15 log_after "$mark" "^<5>$OOB6 is still tentative \\(IPv6 duplicate address detection\\): sshd starts when it is usable"
ok $? "... once $OOB6 is usable (the log says it waits)"
wait_until 20 log_after "$mark" '^<6>sshd ready \(pid [0-9]+, configured config'
ok $? "sshd is ready with the configured config"
log_after "$mark" "^<6>$OOB6 is usable now \\([0-9]+ ms\\); starting sshd"
ok $? "the log says when the address became usable"
no_bad_judgement "$mark" "NIC back"
is "$(listening)" "$BOTH" "sshd listens on both configured addresses"
wait_until 10 status_ok
ok $? "oobctl status: ok"
wait_until 10 ssh_banner "$OOB6"
ok $? "the banner over IPv6, from the admin side"
like "$(oob_ssh "$OOB6" echo six 2>&1)" "^six$" "ssh over IPv6 works"
stop_oobd
"$OOBD" --down -c "$T/oobd.conf" >>"$T/oobd.log" 2>&1
ok $? "oobd --down: the NIC is handed back"

# --- start-up, the IPv4 address listed first (sshd would silently listen
# on IPv4 only) ---
listen "$OOB4:22" "[$OOB6]:22"
mark=$(log_mark)
start_oobd "$T/oobd.conf"
wait_until 20 log_after "$mark" '^<6>sshd ready \(pid [0-9]+, configured config'
ok $? "start-up: sshd is ready with the configured config"
log_after "$mark" "^<5>$OOB6 is still tentative"
ok $? "... after waiting for $OOB6"
no_bad_judgement "$mark" "start-up"
is "$(listening)" "$BOTH" "sshd listens on both configured addresses"
wait_until 10 ssh_banner "$OOB6"
ok $? "the banner over IPv6"
wait_until 10 status_ok
ok $? "oobctl status: ok"
stop_oobd
"$OOBD" --down -c "$T/oobd.conf" >>"$T/oobd.log" 2>&1

# --- DAD fails (the admin side has the address): no waiting for it ---
ip -n admin addr add "$OOB6/64" dev adm0 nodad
mark=$(log_mark)
start_oobd "$T/oobd.conf"
wait_until 20 log_after "$mark" '^<6>sshd ready \(pid [0-9]+, configured config'
ok $? "DAD fails: sshd is ready with the configured config (on IPv4)"
log_after "$mark" "^<3>duplicate address detection failed for $OOB6: another host on the link has it"
ok $? "the log says DAD failed for $OOB6"
! log_after "$mark" "still tentative after"
ok $? "the start did not wait out the 10 s"
stop_oobd
"$OOBD" --down -c "$T/oobd.conf" >>"$T/oobd.log" 2>&1
ip -n admin addr del "$OOB6/64" dev adm0

# --- no carrier: DAD never runs; sshd starts after 10 s anyway ---
ip -n admin link set adm0 down
mark=$(log_mark)
start_oobd "$T/oobd.conf"
wait_until 15 log_after "$mark" "^<5>$OOB6 is still tentative"
ok $? "no carrier: sshd waits for $OOB6"
"$OOBCTL" status > "$T/status.out" 2>&1
is "$?" 1 "oobctl status: degraded meanwhile"
like "$(cat "$T/status.out")" "sshd waits until $OOB6 is no longer tentative" "... and says what sshd waits for"
wait_until 30 log_after "$mark" "^<4>$OOB6 is still tentative after 10 s .*starting sshd anyway"
ok $? "the wait is bounded: sshd starts anyway, with a warning"
wait_until 15 log_after "$mark" '^<6>sshd ready \(pid [0-9]+, configured config'
ok $? "... and is ready (on IPv4)"
stop_oobd
"$OOBD" --down -c "$T/oobd.conf" >>"$T/oobd.log" 2>&1
ip -n admin link set adm0 up

# --- nodad: nothing to wait for ---
write_nic_config "$T/oobd.conf" "address = $OOB6/64 nodad"
mark=$(log_mark)
start_oobd "$T/oobd.conf"
wait_until 20 log_after "$mark" '^<6>sshd ready \(pid [0-9]+, configured config'
ok $? "nodad: sshd is ready with the configured config"
! log_after "$mark" "tentative"
ok $? "... without waiting for anything"
is "$(listening)" "$BOTH" "sshd listens on both configured addresses"
stop_oobd

done_testing
