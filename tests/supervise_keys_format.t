#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The authorized keys file is not empty, but holds no key sshd can read:
# a key broken over lines by a terminal or an editor (or cut short), a key
# in another format (RFC 4716, as PuTTY and ssh-keygen -e write it), the
# private key pasted by mistake, only ssh-dss keys, which sshd refuses
# since OpenSSH 7.0, keys past their expiry-time, options sshd refuses, a
# byte-order mark an editor put first; or a config that takes no key at
# all (PubkeyAuthentication no). sshd skips such lines without a
# word, so the file looked fine until the day it was needed. oobd reads
# each line as sshd does (options, the key type, its base64 blob and the
# fields of the blob): status shows a problem naming the file and the
# first such line, and each is checked against the real sshd refusing the
# login.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
[ -x "$OOBCTL" ] || bail "$OOBCTL not built (run make)"
no_key_problem() { "$OOBCTL" status --json | jq -r '.problems[]' | grep "^no key can log in to sshd"; }

path_up
cp "$T/authorized_keys" "$T/keys.good"
is "$(no_key_problem)" "" "the key as ssh-keygen wrote it: no problem"

# refused WHAT WHY: sshd refuses the client's key, and status says WHY
# of the file.
refused() {
	unlike "$(oob_ssh "$OOB4" echo reached 2>&1)" reached "$1: the real sshd refuses the key"
	like "$(no_key_problem)" "^no key can log in to sshd \(its configured config $T/sshd_config\): $T/authorized_keys $2$" \
		"$1: status says why"
}
key=$(cat "$T/keys.good")

# Broken over lines, as a narrow terminal wraps a pasted key.
printf '%s\n%s\n' "${key:0:40}" "${key:40}" > "$T/authorized_keys"
refused "the key broken over two lines" "holds no key sshd can read \(line 1: a key cut short, or broken over lines\)"

# RFC 4716, what PuTTYgen shows and ssh-keygen -e writes.
ssh-keygen -e -f "$T/id_client.pub" > "$T/authorized_keys"
refused "the key in RFC 4716 format" \
	"holds no key sshd can read \(line 1 is not a public key in OpenSSH's format: a private key, or another format\?\)"

# The private key, pasted by mistake.
cp "$T/id_client" "$T/authorized_keys"
refused "the private key" \
	"holds no key sshd can read \(line 1 is not a public key in OpenSSH's format: a private key, or another format\?\)"

# A key past its expiry-time (a break-glass key given a year, and not
# renewed).
printf 'expiry-time="20200101" %s\n' "$key" > "$T/authorized_keys"
refused "the key past its expiry-time" "holds no key sshd takes \(line 1: the key's expiry-time is past\)"

# Options sshd refuses, which make it skip the line without a word at its
# log level: a typo in an option's name, a time it cannot read, a
# principals= copied from a CA's line.
printf 'no-port-fowarding,no-pty %s\n' "$key" > "$T/authorized_keys"
refused "a misspelt option" "holds no key sshd takes \(line 1: option 'no-port-fowarding' is not one sshd knows\)"
printf 'expiry-time="2099-12-31" %s\n' "$key" > "$T/authorized_keys"
refused "an expiry-time sshd cannot read" \
	"holds no key sshd takes \(line 1: expiry-time=\"2099-12-31\" is not YYYYMMDD\[HHMM\[SS\]\]\[Z\]\)"
printf 'principals="root" %s\n' "$key" > "$T/authorized_keys"
refused "principals= on a key that is no CA" "holds no key sshd takes \(line 1: principals= without cert-authority\)"

# Saved by an editor on another system: a byte-order mark first, which
# sshd reads as part of the line; CR LF line ends, which it takes.
{ printf '\357\273\277'; cat "$T/keys.good"; } > "$T/authorized_keys"
refused "a byte-order mark before the key" \
	"holds no key sshd can read \(line 1: the file starts with a byte-order mark, which sshd reads as part of the first line: save the file as UTF-8 without BOM\)"
# Pasted from a web page: a no-break space where the blank after the key
# type was.
sed 's/^ssh-ed25519 /ssh-ed25519\xc2\xa0/' "$T/keys.good" > "$T/authorized_keys"
refused "a no-break space after the key type" \
	"holds no key sshd can read \(line 1 holds <U\+00A0>, a no-break space, which a terminal does not show: pasted from a web page or a chat\?\)"
sed 's/$/\r/' "$T/keys.good" > "$T/authorized_keys"
is "$(no_key_problem)" "" "the key with a CR LF line end: no problem"
is "$(oob_ssh "$OOB4" echo reached 2>&1)" "reached" "... and the real sshd takes it"

# The good key back, after options that quote blanks: no restart.
printf 'from="203.0.113.0/24",command="echo from a b" %s\n' "$key" > "$T/authorized_keys"
is "$(no_key_problem)" "" "the key after options: no problem"
is "$(oob_ssh "$OOB4" true 2>&1)" "from a b" "... and the real sshd takes it (its forced command runs)"

# Only an ssh-dss key (the client made to offer it: the refusal is the
# server's).
ssh-keygen -q -t dsa -N '' -C oob-dsa -f "$T/id_dsa" || bail "ssh-keygen cannot make a DSA key here"
cp "$T/id_dsa.pub" "$T/authorized_keys"
dss_ssh() {
	ip netns exec admin ssh -F /dev/null -i "$T/id_dsa" -o PubkeyAcceptedAlgorithms=+ssh-dss \
		-o UserKnownHostsFile="$T/known_hosts" -o StrictHostKeyChecking=accept-new \
		-o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=ERROR "root@$OOB4" "$@"
}
unlike "$(dss_ssh echo reached 2>&1)" reached "only an ssh-dss key: the real sshd refuses it"
like "$(no_key_problem)" "$T/authorized_keys holds only ssh-dss keys, which sshd refuses unless PubkeyAcceptedAlgorithms names ssh-dss$" \
	"... and status says so"
stop_oobd
write_sshd_config "PubkeyAcceptedAlgorithms +ssh-dss"
mark=$(log_mark)
start_oobd "$T/oobd.conf"
wait_until 15 log_after "$mark" "sshd ready"
ok $? "sshd ready with PubkeyAcceptedAlgorithms +ssh-dss" || bail "sshd not ready"
is "$(no_key_problem)" "" "ssh-dss let in by the config: no problem"
is "$(dss_ssh echo reached 2>&1)" reached "... and the real sshd takes the key"
stop_oobd

# A config copied from a machine whose admins log in by password: sshd
# takes no key at all, whatever the file holds.
cp "$T/keys.good" "$T/authorized_keys"
write_sshd_config
sed -i -e 's/^PubkeyAuthentication yes/PubkeyAuthentication no/' \
	-e 's/^PasswordAuthentication no/PasswordAuthentication yes/' \
	-e 's/^AuthenticationMethods publickey/AuthenticationMethods any/' "$T/sshd_config"
mark=$(log_mark)
start_oobd "$T/oobd.conf"
wait_until 15 log_after "$mark" "sshd ready"
ok $? "sshd ready with PubkeyAuthentication no" || bail "sshd not ready"
unlike "$(oob_ssh "$OOB4" echo reached 2>&1)" reached "PubkeyAuthentication no: the real sshd refuses the key"
like "$(no_key_problem)" "^no key can log in to sshd \(its configured config $T/sshd_config\): the config says PubkeyAuthentication no: sshd takes no key$" \
	"... and status says why"
stop_oobd
done_testing
