#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The oob sshd, attacked from the admin workstation with the real ssh
# client: passwords and keyboard-interactive are refused even when correct,
# a key that is not in the oob authorized keys file is refused even when the
# user's own ~/.ssh/authorized_keys holds it, and a scan of every TCP port on
# both addresses finds sshd's port and nothing else (through the namespace
# firewall, which drops the rest: each port scanned gets 200 ms).
#
# Each refusal has a control: a second sshd on the admin workstation's
# loopback (same accounts: same mount namespace), that allows passwords and
# the users' own key files, proves that the password and the other key are
# good.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
command -v python3 >/dev/null || skip_all "needs python3 (port scanner)"
command -v perl >/dev/null || skip_all "needs perl (password hash)"

PASSWORD='oob-test-Secret-1'
CTL_PORT=2222

# A test user, and a known password for it and for root: only in this
# sandbox, through bind-mounted copies of the account files.
hash=$(perl -e 'print crypt($ARGV[0], q($6$oobtestsalt$))' "$PASSWORD")
HOMEDIR=/run/oobd-home/tester
mkdir -p -m 0755 /run/oobd-home
for f in passwd group shadow; do cp "/etc/$f" "$T/$f"; done
sed -i "s|^root:[^:]*:|root:$hash:|" "$T/shadow"
echo "tester:x:4242:4242:oob test user:$HOMEDIR:/bin/sh" >> "$T/passwd"
echo "tester:x:4242:" >> "$T/group"
echo "tester:$hash:19000:0:99999:7:::" >> "$T/shadow"
for f in passwd group shadow; do mount --bind "$T/$f" "/etc/$f"; done

make_keys
# A second key, put where sshd looks by default but the oob sshd must not.
ssh-keygen -q -t ed25519 -N '' -C oob-test-other -f "$T/id_other"
mkdir -p -m 0755 "$HOMEDIR"
mkdir -m 0700 "$HOMEDIR/.ssh"
cp "$T/id_other.pub" "$HOMEDIR/.ssh/authorized_keys"
cp "$T/id_other.pub" "$HOMEDIR/.ssh/authorized_keys2"
chmod 0600 "$HOMEDIR/.ssh/"authorized_keys*
chown -R 4242:4242 "$HOMEDIR"

write_sshd_config
make_nic
printf '[interface]\nmatch = %s\naddress = %s/24\naddress = %s/64 nodad\n' "$NIC" "$OOB4" "$OOB6" | write_config "$T/oobd.conf"
start_oobd "$T/oobd.conf"
wait_until 20 ssh_banner "$OOB4"
ok $? "oobd brings sshd up"

oob_ssh "$OOB4" true
ok $? "the oob key logs in as root (control)"

# ssh_as USER ADDR PORT OPTS...: a login with the real client from the admin
# namespace; a password prompt is answered by $T/askpass, which notes that
# it was asked. Output in OUT, status in ST.
printf '#!/bin/sh\necho asked >> %s/askpass.asked\necho "%s"\n' "$T" "$PASSWORD" > "$T/askpass"
chmod 0700 "$T/askpass"
ssh_as() {
	local user=$1 addr=$2 port=$3; shift 3
	rm -f "$T/askpass.asked"
	OUT=$(ip netns exec admin env SSH_ASKPASS="$T/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=none \
		ssh -F /dev/null -p "$port" -o UserKnownHostsFile="$T/known_hosts" \
		-o StrictHostKeyChecking=accept-new -o ConnectTimeout=5 -o NumberOfPasswordPrompts=1 \
		-o IdentitiesOnly=yes -o IdentityFile=none "$@" "$user@$addr" true </dev/null 2>&1)
	ST=$?
}
PW_OPTS=(-o PubkeyAuthentication=no -o PreferredAuthentications=keyboard-interactive,password)

# The control sshd: same host key, passwords allowed, the users' own key files.
cat > "$T/sshd_control" <<CONF
ListenAddress 127.0.0.1:$CTL_PORT
HostKey $T/ssh_host_ed25519_key
UsePAM no
PermitRootLogin yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
AuthorizedKeysFile .ssh/authorized_keys
PidFile $T/sshd_control.pid
CONF
chmod 0600 "$T/sshd_control"
ip netns exec admin /usr/sbin/sshd -D -e -f "$T/sshd_control" >>"$T/sshd_control.log" 2>&1 &
CTL_PID=$!
wait_until 10 ip netns exec admin bash -c "exec 3<>/dev/tcp/127.0.0.1/$CTL_PORT"
ok $? "the control sshd listens on the admin workstation's 127.0.0.1:$CTL_PORT"

ssh_as tester 127.0.0.1 "$CTL_PORT" "${PW_OPTS[@]}"
is "$ST" 0 "control: the test user's password logs in where passwords are allowed"
ssh_as root 127.0.0.1 "$CTL_PORT" "${PW_OPTS[@]}"
is "$ST" 0 "control: so does root's"
ssh_as tester 127.0.0.1 "$CTL_PORT" -o PasswordAuthentication=no -i "$T/id_other"
is "$ST" 0 "control: the other key logs in through the user's own ~/.ssh/authorized_keys"
kill "$CTL_PID"; wait "$CTL_PID" 2>/dev/null

# The oob sshd.
for user in root tester; do
	for addr in "$OOB4" "$OOB6"; do
		ssh_as "$user" "$addr" 22 "${PW_OPTS[@]}"
		[ "$ST" -ne 0 ]
		ok $? "oob sshd refuses $user's correct password ($addr)"
		like "$OUT" "Permission denied \(publickey\)" "... offering only publickey"
		[ ! -e "$T/askpass.asked" ]
		ok $? "... without ever asking for a password"
	done
done

ssh_as root "$OOB4" 22 -v "${PW_OPTS[@]}"
methods=$(printf '%s\n' "$OUT" | tr -d '\r' | grep 'Authentications that can continue' | sort -u)
is "$methods" "debug1: Authentications that can continue: publickey" \
	"the server offers publickey and nothing else"

ssh_as tester "$OOB4" 22 -o PasswordAuthentication=no -i "$T/id_other"
[ "$ST" -ne 0 ]
ok $? "oob sshd refuses a key that only the user's own ~/.ssh/authorized_keys holds"
like "$OUT" "Permission denied \(publickey\)" "... as a denied public key"
ssh_as root "$OOB4" 22 -o PasswordAuthentication=no -i "$T/id_other"
[ "$ST" -ne 0 ]
ok $? "... and refuses it for root"

# Listening sockets inside the namespace, then a scan of every port.
listen=$(ip netns exec oob ss -Hltn | awk '{print $4}' | sort | tr '\n' ' ')
is "$listen" "0.0.0.0:22 [::]:22 " "inside the namespace, only sshd listens on TCP (both families, port 22)"
udp=$(ip netns exec oob ss -Hlun | wc -l)
is "$udp" 0 "nothing listens on UDP"
for addr in "$OOB4" "$OOB6"; do
	open=$(ip netns exec admin timeout 300 python3 "$TESTS_DIR/portscan.py" "$addr" 1 65535 200 500 | tr '\n' ' ')
	is "$open" "22 " "a scan of TCP ports 1-65535 on $addr finds only sshd's port"
done

stop_oobd
done_testing
