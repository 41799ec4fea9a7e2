#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The built-in sshd config lets in the admins who log in with SSH
# certificates: with a configured sshd config that sshd refuses and no
# last-good copy, it carries over the configured TrustedUserCAKeys,
# AuthorizedPrincipalsFile and RevokedKeys, each only while the file it names
# exists and is safe:
# - a certificate signed by the CA logs in (no authorized_keys holds its key),
#   one for a principal of the principals file (a %u path, sshd expands it)
#   too, and a revoked one is refused;
# - a RevokedKeys file that is missing (sshd would then refuse every key) is
#   left out, with a log line, and the certificate still logs in;
# - a CA file that anyone may write (made so while oobd runs: oobd refuses
#   to start with one) is left out, with a log line, and the certificate is
#   refused.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
make_nic
make_keys
: > "$T/authorized_keys" # certificates only
ssh-keygen -q -t ed25519 -N '' -C oob-ca -f "$T/ca"
for k in ops revoked; do ssh-keygen -q -t ed25519 -N '' -C "oob-$k" -f "$T/id_$k"; done
ssh-keygen -q -s "$T/ca" -I admin -n root -V +1h "$T/id_client.pub" 2>/dev/null
ssh-keygen -q -s "$T/ca" -I ops -n ops -V +1h "$T/id_ops.pub" 2>/dev/null
ssh-keygen -q -s "$T/ca" -I gone -n root -V +1h "$T/id_revoked.pub" 2>/dev/null
[ -s "$T/id_client-cert.pub" ] && [ -s "$T/id_ops-cert.pub" ] && [ -s "$T/id_revoked-cert.pub" ] ||
	bail "ssh-keygen made no certificates"
cp "$T/id_revoked.pub" "$T/revoked"
mkdir -m 0700 "$T/principals"
printf 'root\nops\n' > "$T/principals/root"
chmod 0600 "$T/ca.pub" "$T/revoked" "$T/principals/root"
# At the top: the shipped config ends with no Match, but nothing after a
# Match would count.
write_sshd_config "NoSuchKeyword yes"
sed -i -e "1i TrustedUserCAKeys $T/ca.pub\nAuthorizedPrincipalsFile $T/principals/%u\nRevokedKeys $T/revoked" \
	"$T/sshd_config"
write_nic_config "$T/oobd.conf"

# ssh_as KEY CMD...: oob_ssh with the key (and its certificate) $T/id_KEY.
ssh_as() {
	local key=$1; shift
	ip netns exec admin ssh -F /dev/null -i "$T/id_$key" -o IdentitiesOnly=yes \
		-o UserKnownHostsFile="$T/known_hosts" -o StrictHostKeyChecking=accept-new \
		-o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=ERROR \
		-o PasswordAuthentication=no -o KbdInteractiveAuthentication=no \
		"root@$OOB4" "$@"
}
builtin_up() { # builtin_up LABEL MARK: the built-in config started after MARK, sshd answers
	wait_until 30 log_after "$2" '^<3>starting sshd with the built-in config'
	ok $? "($1) sshd refuses the configured config: the built-in one is started"
	wait_until 15 ssh_banner "$OOB4"
	ok $? "($1) sshd answers"
}

# --- every file safe: all three carried over ---
mark=$(log_mark)
start_oobd "$T/oobd.conf"
builtin_up safe "$mark"
is "$("$OOBCTL" status --json | jq -r '.services[] | select(.name == "sshd") | .config')" built-in \
	"(safe) status says sshd runs with the built-in config"
grep -qx "TrustedUserCAKeys $T/ca.pub" /run/oobd/sshd_config.builtin
ok $? "(safe) the built-in config names the CA file"
grep -qx "AuthorizedPrincipalsFile $T/principals/%u" /run/oobd/sshd_config.builtin
ok $? "(safe) and the principals file, its %u as written"
grep -qx "RevokedKeys $T/revoked" /run/oobd/sshd_config.builtin
ok $? "(safe) and the revoked keys"
like "$(ssh_as client echo in 2>&1)" '^in$' "(safe) the admin logs in with the certificate for root"
like "$(ssh_as ops echo in 2>&1)" '^in$' "(safe) and with one for a principal of the principals file"
like "$(ssh_as revoked echo in 2>&1)" 'Permission denied \(publickey\)' \
	"(safe) a certificate whose key is revoked is refused"
stop_oobd

# --- RevokedKeys names a missing file: left out ---
rm -f "$T/revoked"
mark=$(log_mark)
start_oobd "$T/oobd.conf"
builtin_up "missing revoked keys" "$mark"
log_after "$mark" "^<4>$T/sshd_config:3: RevokedKeys left out of the built-in sshd config \(the keys it revokes are not refused\): $T/revoked: No such file or directory$"
ok $? "(missing revoked keys) the log says it is left out, and why"
! grep -q '^RevokedKeys' /run/oobd/sshd_config.builtin
ok $? "(missing revoked keys) the built-in config has no RevokedKeys line"
like "$(ssh_as client echo in 2>&1)" '^in$' "(missing revoked keys) the admin logs in with the certificate"
stop_oobd
cp "$T/id_revoked.pub" "$T/revoked"
chmod 0600 "$T/revoked"

# --- a CA file anyone may write: left out ---
# oobd refuses to start with it (security_files.t); here it becomes
# unsafe while oobd runs, and the built-in config is written again at the
# next start of sshd.
mark=$(log_mark)
start_oobd "$T/oobd.conf"
builtin_up "before the CA is unsafe" "$mark"
chmod 0666 "$T/ca.pub"
mark=$(log_mark)
kill -KILL "$(sshd_pid)"
builtin_up "unsafe CA" "$mark"
log_after "$mark" "^<4>$T/sshd_config:1: TrustedUserCAKeys left out of the built-in sshd config \(certificates are not accepted\): $T/ca.pub is world-writable \(mode 0666\)$"
ok $? "(unsafe CA) the log says it is left out, and why"
! grep -q '^TrustedUserCAKeys' /run/oobd/sshd_config.builtin
ok $? "(unsafe CA) the built-in config has no TrustedUserCAKeys line"
grep -qx "RevokedKeys $T/revoked" /run/oobd/sshd_config.builtin
ok $? "(unsafe CA) the safe RevokedKeys is still carried over"
like "$(ssh_as client echo in 2>&1)" 'Permission denied \(publickey\)' "(unsafe CA) the certificate is refused"
stop_oobd
done_testing
