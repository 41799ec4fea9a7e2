#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The last-good copy of the sshd config is what sshd was started with: a
# file edited between sshd's start and its readiness (the admin's next
# change, maybe a broken one) is not kept as the one that worked. The
# window is widened here by a firewall that stops the readiness probe, so
# sshd is taken as ready only after 5 s.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

make_nic
make_keys
write_sshd_config
rules() { # rules FILE: INPUT dropped but for replies and ssh on oob0; no loopback
	printf '%s\n' '*filter' ':INPUT DROP [0:0]' ':FORWARD DROP [0:0]' ':OUTPUT ACCEPT [0:0]' \
		'-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT' \
		'-A INPUT -i oob0 -p tcp --dport 22 -j ACCEPT' 'COMMIT' > "$1"
	chmod 600 "$1"
}
rules "$T/v4.rules"
rules "$T/v6.rules"
write_nic_config "$T/oobd.conf" '[firewall]' "ipv4 = $T/v4.rules" "ipv6 = $T/v6.rules"

start_oobd "$T/oobd.conf"
wait_until 15 log_has '^<6>sshd started'
ok $? "sshd started" || bail "no sshd"
echo "ThisIsNotAnSshdOption yes" >> "$T/sshd_config"
wait_until 15 log_has '^<6>sshd ready \(pid [0-9]+, configured config'
ok $? "sshd is taken as ready (after the probe's 5 s)"
wait_until 10 log_has 'changed since sshd was started with it; not kept as the last-good one'
ok $? "the log says the edited file is not kept"
! grep -q ThisIsNotAnSshdOption /run/oobd/sshd_config.last-good 2>/dev/null
ok $? "the last-good copy does not have the edit"
stop_oobd
done_testing
