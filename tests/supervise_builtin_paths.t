#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The built-in sshd config names the configured host key and authorized
# keys file as sshd reads them back: a path with a blank, quoted in the
# configured file, stays one path. With the configured config refused and
# no last-good copy, the admin logs in with the key of that file, and sshd
# shows the configured host key.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
make_nic
make_keys
mkdir -m 0700 "$T/my keys"
mv "$T/authorized_keys" "$T/my keys/authorized_keys"
ssh-keygen -q -t ed25519 -N '' -C oob-host -f "$T/my keys/host key"
write_sshd_config "NoSuchKeyword yes"
sed -i -e "s|^HostKey .*|HostKey \"$T/my keys/host key\"|" \
	-e "s|^AuthorizedKeysFile .*|AuthorizedKeysFile \"$T/my keys/authorized_keys\"|" "$T/sshd_config"
write_nic_config "$T/oobd.conf"

mark=$(log_mark)
start_oobd "$T/oobd.conf"
wait_until 30 log_after "$mark" '^<3>starting sshd with the built-in config'
ok $? "sshd refuses the configured config: the built-in one is started"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "no sshd"
is "$("$OOBCTL" status --json | jq -r '.services[] | select(.name == "sshd") | .config')" built-in \
	"status says sshd runs with the built-in config"
like "$(oob_ssh "$OOB4" echo in 2>&1)" '^in$' "the admin logs in with the key of the quoted authorized keys file"
want=$(ssh-keygen -lf "$T/my keys/host key.pub" | awk '{ print $2 }')
got=$(ip netns exec admin ssh-keyscan -t ed25519 "$OOB4" 2>/dev/null | ssh-keygen -lf - | awk '{ print $2 }')
is "$got" "$want" "sshd shows the configured host key, whose path has a blank"
stop_oobd
done_testing
