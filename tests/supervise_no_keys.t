#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sshd answers its banner, but no key can log in: the authorized keys file
# was never filled in (a fresh install), or was emptied or removed since (a
# configuration management run). The banner proves the listener, not the
# way in, so oobd looks at the files of the sshd config in force: the log
# says so when sshd is ready, and status shows a problem (oobd_healthy 0)
# for as long as it lasts, naming each file and why. A key in one of them,
# a per-user file (sshd's default) or a CA file with a key is a way in.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
[ -x "$OOBCTL" ] || bail "$OOBCTL not built (run make)"
problems() { "$OOBCTL" status --json | jq -r '.problems[]'; }
no_key_problem() { problems | grep -q "^no key can log in to sshd"; }
healthy() { "$OOBCTL" metrics | grep -qx "oobd_healthy 1"; }
# way_in WHAT WHY: oobd started, sshd ready with WHAT; no problem and no
# warning, for WHY.
way_in() {
	local mark
	mark=$(log_mark)
	start_oobd "$T/oobd.conf"
	wait_until 15 log_after "$mark" "sshd ready"
	ok $? "sshd ready with $1" || bail "sshd not ready"
	! no_key_problem && ! log_after "$mark" "no key can log in"
	ok $? "... no problem and no warning: $2"
}

make_nic
make_keys
cp "$T/authorized_keys" "$T/keys.saved"
: > "$T/authorized_keys"
write_sshd_config
write_nic_config "$T/oobd.conf"
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers with an empty authorized keys file" || bail "oobd did not come up"
wait_until 10 log_has "sshd is ready, but no key can log in to it: $T/authorized_keys holds no key"
ok $? "the log says no key can log in, naming the file"
like "$(problems)" "^no key can log in to sshd \(its configured config $T/sshd_config\): $T/authorized_keys holds no key" \
	"status: a problem, naming the config and the file"
"$OOBCTL" status >/dev/null
is "$?" 1 "oobctl status exits 1 (degraded)"
! healthy
ok $? "metric oobd_healthy is 0"

# Comments and blank lines are no key.
printf '# the oob keys\n\n   \n' > "$T/authorized_keys"
like "$(problems)" "$T/authorized_keys holds no key" "a file of comments and blank lines: still the problem"

# A key put in: the problem goes, with no restart.
cp "$T/keys.saved" "$T/authorized_keys"
! no_key_problem
ok $? "a key in the file: no problem"
"$OOBCTL" status >/dev/null
is "$?" 0 "oobctl status exits 0"
is "$(oob_ssh "$OOB4" echo reached 2>&1)" reached "... and the key logs in"

# The file removed.
rm "$T/authorized_keys"
like "$(problems)" "no key can log in to sshd .*: $T/authorized_keys: No such file or directory" \
	"the file removed: the problem names it and the error"
cp "$T/keys.saved" "$T/authorized_keys"
chmod 0600 "$T/authorized_keys"
stop_oobd

# Certificates: a CA file with a key is a way in, whatever the keys file
# holds.
ssh-keygen -q -t ed25519 -N '' -C oob-ca -f "$T/ca"
: > "$T/authorized_keys"
write_sshd_config "TrustedUserCAKeys $T/ca.pub"
way_in "a CA file and an empty keys file" "a certificate can log in"
: > "$T/ca.pub"
like "$(problems)" "$T/authorized_keys holds no key; $T/ca.pub holds no key" "an empty CA file too: the problem names both"
stop_oobd

# sshd's default (no AuthorizedKeysFile line): each user's own files, which
# oobd does not read.
sed -i '/^AuthorizedKeysFile /d' "$T/sshd_config"
way_in "sshd's default authorized keys files" "oobd cannot tell"
stop_oobd
done_testing
