# SPDX-License-Identifier: GPL-2.0-or-later
# sshd's program hangs instead of starting (a wedged upgrade, a dead NFS
# mount): every "sshd -T" oobd asks while choosing a config runs into its
# 10 s limit. One choice stops asking after 12 s and goes to the built-in
# config, so the event loop (oobctl, the watchdog) is never held for a
# minute; oobd answers between choices. sshd runs from the copy of the
# program that answered before (supervise_program_lastgood.t), and with
# the program once it is back.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
make_nic
make_keys
write_sshd_config
mkdir -m 0700 /run/w
ln -s /usr/sbin/sshd /run/w/sshd
write_nic_config "$T/oobd.conf"
sed -i "s|^\[sshd\]$|[sshd]\nexec = /run/w/sshd|" "$T/oobd.conf"

start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "oobd did not come up"
wait_until 10 log_has "kept a copy of the sshd program"

# The program now hangs, whatever it is asked; the listener dies.
rm /run/w/sshd
printf '#!/bin/sh\necho "$*" >> /run/w/asked\nexec sleep 1000\n' > /run/w/sshd
chmod 0700 /run/w/sshd
mark=$(log_mark)
kill -KILL "$(sshd_pid)"
wait_until 90 log_after "$mark" '^<3>sshd -T has taken over 12 s for this start \(does /run/w/sshd hang\?\); starting with the built-in config'
ok $? "a choice of config stops asking a hanging sshd -T after 12 s"
! grep -q PerSourceMaxStartups /run/w/asked
ok $? "... nor asks it, for the built-in config, whether it takes an option (10 s more)"
wait_until 20 ssh_banner "$OOB4"
ok $? "... and sshd answers, from the copy of the program that answered before"
log_has "starting sshd from the last-good copy /run/oobd/sshd.last-good of its program: no sshd config passes sshd -T with /run/w/sshd"
ok $? "... saying why"
timeout 20 "$OOBCTL" status >/dev/null 2>&1
ok $(( $? <= 1 ? 0 : 1 )) "oobd answers oobctl status"

# The program is back.
rm /run/w/sshd
ln -s /usr/sbin/sshd /run/w/sshd
wait_until 90 ssh_banner "$OOB4"
ok $? "the program back: sshd answers again"
stop_oobd
done_testing
