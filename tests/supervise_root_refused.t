#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sshd answers and the key is in place, but sshd refuses root whatever the
# key: it looks at the account first. The oob sshd runs without PAM (whose
# modules hang when the main system is broken), and sshd without PAM
# refuses an account whose password is locked ('!' in /etc/shadow, as
# `passwd -l root` leaves it: a common hardening, under which the main
# sshd, with PAM, still lets root in by key) or that has expired. With or
# without PAM it refuses one whose shell is gone or not executable (a
# package removed after `chsh`), and one the config's AllowUsers,
# DenyUsers, AllowGroups or DenyGroups keep out (a hardened main config
# copied over). Each is found on the worst day, from the
# oob path, unless oobd says so before: the log when sshd is ready, and a
# status problem (oobd_healthy 0) for as long as it lasts.
# The account files here are copies of the machine's, bound over /etc/shadow
# and /etc/passwd in the sandbox's own mount namespace: the host's are not
# touched. Each finding is checked against the real sshd's refusal.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
[ -x "$OOBCTL" ] || bail "$OOBCTL not built (run make)"
problems() { "$OOBCTL" status --json | jq -r '.problems[]'; }
root_problem() { problems | grep "^sshd refuses root"; }
healthy() { "$OOBCTL" metrics | grep -qx "oobd_healthy 1"; }

# The account files: copies the test edits in place (a bind mount follows
# the file, not its name).
for f in passwd shadow; do
	cp -p "/etc/$f" "$T/$f.orig"
	cp -p "/etc/$f" "$T/$f"
	mount --bind "$T/$f" "/etc/$f" || bail "cannot bind $T/$f over /etc/$f"
done
# Root's password as the test starts: not locked, whatever this machine's is.
awk -F: -v OFS=: '$1 == "root" { sub(/^!+/, "", $2); if ($2 == "") $2 = "*" } { print }' "$T/shadow.orig" > "$T/shadow.new"
cat "$T/shadow.new" > "$T/shadow.orig"
cat "$T/shadow.orig" > "$T/shadow"
# root_field FILE N VALUE: root's field N in the bound FILE set to VALUE.
root_field() {
	awk -F: -v OFS=: -v n="$2" -v v="$3" '$1 == "root" { $n = v } { print }' "$T/$1.orig" > "$T/$1.new"
	cat "$T/$1.new" > "$T/$1"
}
restore() { cat "$T/$1.orig" > "$T/$1"; }
hash=$(awk -F: '$1 == "root" { print $2 }' "$T/shadow.orig")

# refused WHAT PATTERN: sshd refuses root (a key login fails), and oobd
# says so: a status problem matching PATTERN, oobctl status exits 1,
# oobd_healthy 0.
refused() {
	local out
	out=$(oob_ssh "$OOB4" echo reached 2>&1)
	unlike "$out" reached "$1: the real sshd refuses root's key"
	like "$(root_problem)" "^sshd refuses root \(its configured config $T/sshd_config\): $2" \
		"$1: status names why"
	"$OOBCTL" status >/dev/null
	is "$?" 1 "$1: oobctl status exits 1 (degraded)"
	! healthy
	ok $? "$1: metric oobd_healthy is 0"
}
# let_in WHAT: root logs in, and no problem is left.
let_in() {
	is "$(oob_ssh "$OOB4" echo reached 2>&1)" reached "$1: root logs in"
	is "$(root_problem)" "" "$1: no problem"
}

# Locked at boot: oobd -t warns of it, and the log says it when sshd is
# ready.
root_field shadow 2 "!$hash"
make_nic
make_keys
write_sshd_config
write_nic_config "$T/oobd.conf"
out=$("$OOBD" -t -c "$T/oobd.conf" 2>&1); st=$?
is "$st" 0 "oobd -t: the config is valid (exit status 0)"
like "$out" "^$T/oobd.conf:[0-9]+: key 'config': warning: sshd config $T/sshd_config lets root in, but sshd will refuse root: root's password is locked" \
	"oobd -t: a warning on the [sshd] config line says sshd will refuse root, and why"
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "oobd did not come up"
wait_until 10 log_has "sshd is ready, but it refuses root: root's password is locked \('!' in /etc/shadow\)"
ok $? "the log says sshd refuses root, and why"
refused "root's password locked" "root's password is locked \('!' in /etc/shadow\), and sshd without PAM refuses a locked account, even to a key \(usermod -p '\*' root"

# The remedy the problem names: no password, not a locked one. No restart.
root_field shadow 2 '*'
let_in "root's password '*' (usermod -p '*' root)"
restore shadow
let_in "root's own password field back"

# Expired (chage -E 1 root: the day after the epoch).
root_field shadow 8 1
refused "root's account expired" "root's account has expired \(/etc/shadow\)"
root_field shadow 8 ''
let_in "no expiry (chage -E -1 root)"

# The shell gone, or not executable.
root_field passwd 7 "$T/no-such-shell"
refused "root's shell gone" "root's shell $T/no-such-shell \(/etc/passwd\): No such file or directory"
printf '#!/bin/sh\nexec /bin/sh "$@"\n' > "$T/shell"
chmod 0644 "$T/shell"
root_field passwd 7 "$T/shell"
refused "root's shell not executable" "root's shell $T/shell \(/etc/passwd\) is not an executable file"
chmod 0755 "$T/shell"
let_in "root's shell made executable"
restore passwd

# Both at once: one problem names both.
root_field shadow 2 "!$hash"
root_field passwd 7 "$T/no-such-shell"
like "$(root_problem)" "root's shell $T/no-such-shell .*; root's password is locked" "two reasons: the problem names both"
restore passwd
stop_oobd

# Who may log in, as the config says: a hardened main config copied over
# (AllowUsers of the admins' own names, AllowGroups of a login group) keeps
# root out. Each config run by sshd (restarted), and checked against it.
# with_config LINE...: the shipped config plus LINEs, sshd restarted on it.
with_config() {
	local mark
	write_sshd_config "$@"
	mark=$(log_mark)
	"$OOBCTL" restart sshd >/dev/null
	wait_until 15 log_after "$mark" "sshd ready .*configured config"
	ok $? "sshd runs a config with: $*" || bail "sshd not ready"
}
restore shadow
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "oobd started again, root's account as it was" || bail "oobd did not come up"
with_config "DenyUsers bob r*"
refused "DenyUsers r*" "DenyUsers pattern 'r\*' names root"
with_config "AllowUsers alice" "AllowUsers bob"
refused "AllowUsers alice, bob" "AllowUsers does not name root"
with_config "AllowUsers alice" "AllowUsers ro?t"
let_in "AllowUsers naming root by a pattern, on a second line"
with_config "AllowUsers root@203.0.113.0/24"
let_in "AllowUsers root@ the admin network (depends on the address)"
with_config "AllowGroups sshusers"
refused "AllowGroups of another group" "AllowGroups names none of root's groups \(/etc/group\)"
with_config "AllowGroups sshusers root"
let_in "AllowGroups naming root's group"
with_config "DenyGroups ro*"
refused "DenyGroups naming root's group" "DenyGroups pattern 'ro\*' names a group of root's"
with_config "AllowUsers alice" "Match Address 203.0.113.0/24" "	AllowUsers root"
let_in "AllowUsers without root, but with it under a Match (depends on the connection)"
with_config "AllowUsers alice" "DenyUsers root" "PermitRootLogin yes"
like "$(root_problem)" "DenyUsers pattern 'root' names root$" "Deny and Allow: the problem names the DenyUsers pattern only"
stop_oobd

# A config that keeps root out (PermitRootLogin no): root's account is not
# oobd's business, whatever it holds.
write_sshd_config
sed -i 's/^PermitRootLogin .*/PermitRootLogin no/' "$T/sshd_config"
mark=$(log_mark)
start_oobd "$T/oobd.conf"
wait_until 15 log_after "$mark" "sshd ready"
ok $? "sshd ready with PermitRootLogin no" || bail "sshd not ready"
is "$(root_problem)" "" "PermitRootLogin no: no problem about root's account"
! log_after "$mark" "refuses root"
ok $? "... and no warning"
stop_oobd
# The same said only under a Match that takes every root connection, with
# no line for the others: still nothing to say about root's account.
root_field shadow 2 "!$hash"
write_sshd_config
sed -i '/^PermitRootLogin /d' "$T/sshd_config"
printf 'Match User root\n\tPermitRootLogin no\n' >> "$T/sshd_config"
out=$("$OOBD" -t -c "$T/oobd.conf" 2>&1)
unlike "$out" "refuse root" "PermitRootLogin no under Match User root alone: oobd -t says nothing of root's account"

# Under a Match, root may come in from some addresses: the account matters.
root_field shadow 2 "!$hash"
write_sshd_config
sed -i 's/^PermitRootLogin .*/PermitRootLogin no/' "$T/sshd_config"
printf 'Match Address 203.0.113.0/24\n\tPermitRootLogin prohibit-password\n' >> "$T/sshd_config"
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers with root allowed under a Match" || bail "sshd not ready"
refused "root allowed under a Match, password locked" "root's password is locked"
restore shadow
let_in "root's own password field back, under the Match"
stop_oobd

# With PAM, sshd leaves the account to PAM: a locked password is not
# sshd's refusal, and oobd does not report it.
root_field shadow 2 "!$hash"
write_sshd_config
sed -i 's/^UsePAM .*/UsePAM yes/' "$T/sshd_config"
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers with UsePAM yes" || bail "sshd not ready"
is "$(root_problem)" "" "UsePAM yes: a locked password is not reported"
out=$(oob_ssh "$OOB4" echo reached 2>&1)
is "$out" reached "... and root logs in by key (PAM's account check passes a locked password)"
stop_oobd
restore shadow
done_testing
