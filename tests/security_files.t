#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# oobd refuses files that someone other than root could have changed, as
# sshd's StrictModes does: its config (at start, in "oobd -t" and on
# reload), the sshd config, the sshd program and the authorized keys the
# sshd config names; the file and every directory above it, every directory
# a symlink on the way is in, and the directories sshd's Include patterns
# look in, matched or not.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

NOBODY=65534
make_keys
write_sshd_config
CONF=$T/oobd.conf
printf '[interface]\nmatch = %s\naddress = %s/24\n' "$NIC" "$OOB4" | write_config "$CONF"

# oobd_t FILE: run "oobd -t -c FILE"; its output in OUT, its status in ST.
oobd_t() {
	OUT=$("$OOBD" -t -c "$1" 2>&1); ST=$?
}

oobd_t "$CONF"
is "$ST" 0 "a root-owned 0644 config under root-owned directories is valid"
like "$OUT" "configuration is valid" "oobd -t says so"

# The config itself.
chmod 0664 "$CONF"
oobd_t "$CONF"
is "$ST" 1 "a group-writable config is refused by oobd -t"
like "$OUT" "^$CONF: refusing an unsafe config: $CONF is group-writable \(mode 0664\)" \
	"the message names the file and the reason, as FILE: ..."

: >"$T/oobd.log"
"$OOBD" -c "$CONF" >>"$T/oobd.log" 2>&1 &
pid=$!
wait_until 10 sh -c "! kill -0 $pid"
ok $? "oobd with a group-writable config exits"
wait "$pid"; st=$?
is "$st" 1 "... with status 1"
log=$(cat "$T/oobd.log")
like "$log" "refusing an unsafe config: $CONF is group-writable" "... saying why"
like "$log" "not starting" "... and that it is not starting"
[ ! -e /run/netns/oob ]
ok $? "... before creating the namespace"

chmod 0646 "$CONF"
oobd_t "$CONF"
like "$OUT" "$CONF is world-writable \(mode 0646\)" "a world-writable config is refused"
chmod 0644 "$CONF"

chown "$NOBODY" "$CONF"
oobd_t "$CONF"
is "$ST" 1 "a config owned by another user is refused"
like "$OUT" "$CONF is owned by uid $NOBODY, not root" "... saying whose it is"
chown 0 "$CONF"

# A directory above it.
mkdir -m 0755 "$T/etc"
cp "$CONF" "$T/etc/oobd.conf"
oobd_t "$T/etc/oobd.conf"
is "$ST" 0 "a config in a root-owned 0755 directory is valid"
chmod 0775 "$T/etc"
oobd_t "$T/etc/oobd.conf"
like "$OUT" "refusing an unsafe config: directory $T/etc is group-writable \(mode 0775\)" \
	"a config in a group-writable directory is refused"
chmod 0755 "$T/etc"
chown "$NOBODY" "$T/etc"
oobd_t "$T/etc/oobd.conf"
like "$OUT" "directory $T/etc is owned by uid $NOBODY, not root" \
	"a config in a directory owned by another user is refused"
chown 0 "$T/etc"

# A symlink counts as the file it points to.
ln -s "$T/etc/oobd.conf" "$T/link.conf"
chmod 0666 "$T/etc/oobd.conf"
oobd_t "$T/link.conf"
like "$OUT" "^$T/link.conf: refusing an unsafe config: $T/etc/oobd.conf is world-writable" \
	"a symlink to a world-writable config is refused"

# A FIFO is not a config: refused at once (reading it would block oobd -t).
mkfifo -m 0600 "$T/fifo.conf"
OUT=$(timeout 10 "$OOBD" -t -c "$T/fifo.conf" 2>&1); ST=$?
is "$ST" 1 "a FIFO as config is refused, without blocking"
like "$OUT" "^$T/fifo.conf: refusing an unsafe config: $T/fifo.conf is not a regular file" "... saying why"

# The sshd config, the authorized keys it names, the sshd program.
sshd_line=$(grep -n '^config = ' "$CONF" | cut -d: -f1)
chmod 0660 "$T/sshd_config"
oobd_t "$CONF"
is "$ST" 1 "a group-writable sshd config is refused"
like "$OUT" "^$CONF:$sshd_line: key 'config': unsafe sshd config: $T/sshd_config is group-writable \(mode 0660\)" \
	"... as FILE:LINE: key 'config': ..."
chmod 0600 "$T/sshd_config"

chmod 0606 "$T/authorized_keys"
oobd_t "$CONF"
is "$ST" 1 "world-writable authorized keys are refused"
like "$OUT" "^$CONF:$sshd_line: key 'config': unsafe authorized keys \(AuthorizedKeysFile in $T/sshd_config\): $T/authorized_keys is world-writable" \
	"... naming the sshd config that names them"
chmod 0600 "$T/authorized_keys"

# The certificate authority and the revoked keys the sshd config names.
ssh-keygen -q -t ed25519 -N '' -C oob-ca -f "$T/ca"
cp "$T/id_client.pub" "$T/revoked"
chmod 0644 "$T/ca.pub" "$T/revoked"
sed -i -e "1i TrustedUserCAKeys $T/ca.pub\nRevokedKeys $T/revoked" "$T/sshd_config"
oobd_t "$CONF"
is "$ST" 0 "a root-owned CA file and revoked keys file are accepted"
chmod 0646 "$T/ca.pub"
oobd_t "$CONF"
is "$ST" 1 "a world-writable CA file is refused"
like "$OUT" "^$CONF:$sshd_line: key 'config': unsafe trusted CA keys \(TrustedUserCAKeys in $T/sshd_config\): $T/ca.pub is world-writable" \
	"... naming the sshd config that names it"
chmod 0644 "$T/ca.pub"
chmod 0664 "$T/revoked"
oobd_t "$CONF"
is "$ST" 1 "a group-writable revoked keys file is refused"
like "$OUT" "unsafe revoked keys \(RevokedKeys in $T/sshd_config\): $T/revoked is group-writable" "... likewise"
chmod 0644 "$T/revoked"
sed -i -e '/^TrustedUserCAKeys /d' -e '/^RevokedKeys /d' "$T/sshd_config"

# What runs as the user who logs in (root), and the moduli sshd's key
# exchange takes its groups from: a program named by absolute path.
printf '#!/bin/sh\n' > "$T/oob-tool"
chmod 0755 "$T/oob-tool"
cp /etc/ssh/moduli "$T/moduli" 2>/dev/null || : > "$T/moduli"
chmod 0644 "$T/moduli"
sed -i -e "1i ModuliFile $T/moduli\nSubsystem oobtool $T/oob-tool -v" "$T/sshd_config"
oobd_t "$CONF"
is "$ST" 0 "a root-owned subsystem program and moduli file are accepted"
chmod 0757 "$T/oob-tool"
oobd_t "$CONF"
is "$ST" 1 "a world-writable subsystem program is refused"
like "$OUT" "^$CONF:$sshd_line: key 'config': unsafe subsystem program \(Subsystem in $T/sshd_config\): $T/oob-tool is world-writable" \
	"... naming the keyword and the program (its second word)"
chmod 0755 "$T/oob-tool"
chmod 0664 "$T/moduli"
oobd_t "$CONF"
is "$ST" 1 "a group-writable moduli file is refused"
like "$OUT" "unsafe moduli file \(ModuliFile in $T/sshd_config\): $T/moduli is group-writable" "... likewise"
chmod 0644 "$T/moduli"
sed -i -e '/^ModuliFile /d' -e '/^Subsystem oobtool /d' "$T/sshd_config"

# Under a Match: a connection it matches takes what the block names.
cp "$T/authorized_keys" "$T/root_keys"
chmod 0600 "$T/root_keys"
printf 'Match User root\n\tAuthorizedKeysFile %s\n\tForceCommand %s --menu\n' "$T/root_keys" "$T/oob-tool" \
	>> "$T/sshd_config"
oobd_t "$CONF"
is "$ST" 0 "root-owned files named under a Match are accepted"
chmod 0606 "$T/root_keys"
oobd_t "$CONF"
is "$ST" 1 "world-writable authorized keys named under a Match are refused"
like "$OUT" "unsafe authorized keys \(AuthorizedKeysFile in $T/sshd_config\): $T/root_keys is world-writable" \
	"... naming them"
chmod 0600 "$T/root_keys"
chmod 0775 "$T/oob-tool"
oobd_t "$CONF"
is "$ST" 1 "a group-writable forced command under a Match is refused"
like "$OUT" "unsafe forced command \(ForceCommand in $T/sshd_config\): $T/oob-tool is group-writable" \
	"... naming the program (its first word)"
chmod 0755 "$T/oob-tool"
sed -i '/^Match User root/,$d' "$T/sshd_config"

cp /usr/sbin/sshd "$T/sshd"
chmod 0775 "$T/sshd"
sed "s|^\[sshd\]|[sshd]\nexec = $T/sshd|" "$CONF" > "$T/exec.conf"
oobd_t "$T/exec.conf"
like "$OUT" "key 'exec': unsafe sshd program: $T/sshd is group-writable \(mode 0775\)" \
	"a group-writable sshd program is refused"
chmod 0755 "$T/sshd"
oobd_t "$T/exec.conf"
is "$ST" 0 "... and accepted once only root can write it"

cp /bin/true "$T/prog"
chmod 0757 "$T/prog"
{ cat "$CONF"; printf '[service helper]\nexec = %s --flag\n' "$T/prog"; } > "$T/service.conf"
svc_line=$(grep -n '^exec = ' "$T/service.conf" | cut -d: -f1)
oobd_t "$T/service.conf"
like "$OUT" "^$T/service.conf:$svc_line: key 'exec': unsafe program of \[service helper\]: $T/prog is world-writable" \
	"a world-writable [service] program is refused"
chmod 0755 "$T/prog"

# A symlink is only as safe as every directory the lookup passes through:
# the one holding it too, not only those above its target. Whoever can
# write there can point it elsewhere before oobd's next reload or sshd's
# next start, which open the path as named.
mkdir -m 0777 /run/open
ln -s "$T/sshd_config" /run/open/sshd_config
sed "s|^config = .*|config = /run/open/sshd_config|" "$CONF" > "$T/open.conf"
oobd_t "$T/open.conf"
is "$ST" 1 "an sshd config through a symlink in a world-writable directory is refused"
like "$OUT" "^$T/open.conf:$sshd_line: key 'config': unsafe sshd config: directory /run/open is world-writable \(mode 0777\); the path goes through the symlink /run/open/sshd_config in it" \
	"... naming the directory and the symlink in it"
ln -s "$CONF" /run/open/oobd.conf
oobd_t /run/open/oobd.conf
like "$OUT" "^/run/open/oobd.conf: refusing an unsafe config: directory /run/open is world-writable \(mode 0777\); the path goes through the symlink /run/open/oobd.conf in it" \
	"a config through a symlink in a world-writable directory is refused"
ln -s ../oobd-test/sshd_config /run/open/rel
sed "s|^config = .*|config = /run/open/rel|" "$CONF" > "$T/open.conf"
oobd_t "$T/open.conf"
like "$OUT" "unsafe sshd config: directory /run/open is world-writable \(mode 0777\); the path goes through the symlink /run/open/rel in it" \
	"... a relative symlink too"
mkdir -m 0755 "$T/safe"
ln -s /run/open/sshd_config "$T/safe/via-open"
sed "s|^config = .*|config = $T/safe/via-open|" "$CONF" > "$T/open.conf"
oobd_t "$T/open.conf"
like "$OUT" "unsafe sshd config: directory /run/open is world-writable \(mode 0777\); the path goes through the symlink /run/open/sshd_config in it" \
	"... and a chain whose second link is there"
ln -s ../sshd_config "$T/safe/sshd_config"
ln -s safe/sshd_config "$T/chain"
for link in "$T/safe/sshd_config" "$T/chain"; do
	sed "s|^config = .*|config = $link|" "$CONF" > "$T/open.conf"
	oobd_t "$T/open.conf"
	is "$ST" 0 "a relative symlink (${link#$T/}) from a safe directory to a file in one is accepted"
done
cp -p "$T/sshd_config" /run/open/plain
ln -s /run/open "$T/safe/dir"
sed "s|^config = .*|config = $T/safe/dir/plain|" "$CONF" > "$T/open.conf"
oobd_t "$T/open.conf"
like "$OUT" "unsafe sshd config: directory /run/open is world-writable \(mode 0777\); the path reaches it through the symlink $T/safe/dir" \
	"a world-writable directory reached through a symlink is named, and the symlink"

# An Include that matches nothing now: a file added later where it looks is
# read by sshd at its next start, so the directory is checked as well.
mkdir -m 0777 /run/open-inc
write_sshd_config "Include /run/open-inc/*.conf"
oobd_t "$CONF"
is "$ST" 1 "an Include glob in a world-writable empty directory is refused"
like "$OUT" "^$CONF:$sshd_line: key 'config': unsafe sshd config directory \(where an Include of $T/sshd_config looks\): directory /run/open-inc is world-writable \(mode 0777\)" \
	"... naming the directory"
mkdir -m 0755 /run/safe-inc
write_sshd_config "Include /run/safe-inc/*.conf /run/safe-inc/none/*.conf"
oobd_t "$CONF"
is "$ST" 0 "an Include glob in a safe empty directory (or a missing one below it) is accepted"
chmod 1777 /run/safe-inc
oobd_t "$CONF"
like "$OUT" "unsafe sshd config directory \(where an Include of $T/sshd_config looks\): directory /run/safe-inc is world-writable \(mode 1777\)" \
	"... not once it is sticky and world-writable: anyone may add a file"
chmod 0755 /run/safe-inc
write_sshd_config

# On reload, a config that became unsafe changes nothing.
make_nic
start_oobd "$CONF"
wait_until 20 ssh_banner "$OOB4"
ok $? "oobd is up with a safe config"
sed -i "s|^address = .*|&\naddress = 203.0.113.11/24|" "$CONF"
chmod 0666 "$CONF"
: >"$T/oobd.log"
kill -HUP "$OOBD_PID"
wait_until 10 grep -q "nothing changed" "$T/oobd.log"
ok $? "reload with a world-writable config changes nothing"
like "$(cat "$T/oobd.log")" "refusing an unsafe config: $CONF is world-writable" "... and says why"
ip -n oob -4 addr show | grep -q '203.0.113.11/'
ok $((!$?)) "... the address it added is not applied"
kill -0 "$OOBD_PID" && ssh_banner "$OOB4"
ok $? "... oobd and sshd keep running"
chmod 0644 "$CONF"
kill -HUP "$OOBD_PID"
wait_until 10 sh -c "ip -n oob -4 addr show | grep -q '203.0.113.11/'"
ok $? "once it is safe again, the reload applies it"
stop_oobd

done_testing
