#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The built-in sshd config listens on the configured ports too, not only
# on 22: with a configured sshd config that sshd refuses, no last-good copy
# yet, and a firewall file that lets in only the admin's port, the admin
# still gets in on that port.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

make_nic
make_keys
write_sshd_config
sed -i -e 's/^Port 22$/Port 2222/' "$T/sshd_config"
grep -q '^Port 2222$' "$T/sshd_config" || bail "the shipped sshd config has no 'Port 22' line"
echo "NoSuchKeyword yes" >> "$T/sshd_config"
cat > "$T/fw4.rules" <<RULES
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A INPUT -p tcp --dport 2222 -j ACCEPT
COMMIT
RULES
write_nic_config "$T/oobd.conf"
printf '[firewall]\nipv4 = %s\n' "$T/fw4.rules" >> "$T/oobd.conf"

banner_on() { ssh_banner "$OOB4" "$1"; } # banner_on PORT
start_oobd "$T/oobd.conf"
wait_until 30 log_has '^<3>starting sshd with the built-in config'
ok $? "sshd refuses the configured config: the built-in one is started"
wait_until 15 banner_on 2222
ok $? "sshd answers on the configured port 2222"
grep -qx 'Port 2222' /run/oobd/sshd_config.builtin
ok $? "the built-in config names the configured port"
grep -qx 'Port 22' /run/oobd/sshd_config.builtin
ok $? "and port 22"
like "$(oob_ssh "$OOB4" -p 2222 echo in 2>&1)" '^in$' "the admin logs in on port 2222"
! banner_on 22
ok $? "port 22 stays shut by the firewall file (what the configured port is for)"
stop_oobd
done_testing
