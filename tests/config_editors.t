#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Files saved by an editor on another system: CR LF line ends (DOS), or a
# byte-order mark first ("UTF-8 with BOM", Notepad's old default); and
# text pasted from a web page, with characters a terminal shows as a space
# or as nothing (a no-break space, a zero-width space).
# iptables-restore refuses a rules file with either, and restore's own words
# hide the cause ("invalid port/service `22' specified", the carriage
# return unseen); sshd refuses its config with a mark. oobd -t and the
# daemon say what is wrong, at the right line, and oobd -t reports every
# file's problem in one run: a broken rules file does not hide one in the
# sshd config. oobd's own config may have either (inih reads both), and
# so may nothing else: each claim about the real tools is checked here
# against the tools themselves.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
command -v iptables-legacy-restore >/dev/null || skip_all "needs iptables (legacy tools)"
OOBCTL=$BUILD/oobctl
[ -x "$OOBCTL" ] || bail "$OOBCTL not built (run make)"
command -v jq >/dev/null || skip_all "needs jq"

crlf() { sed -i 's/$/\r/' "$1"; }
# bom FILE: a byte-order mark put first (the file keeps its mode).
bom() { { printf '\357\273\277'; cat "$1"; } > "$1.new" && cat "$1.new" > "$1" && rm -f "$1.new"; }
# restore_takes FILE: the real iptables-legacy-restore takes FILE (in a
# scratch network namespace, --test).
restore_takes() { unshare --net iptables-legacy-restore --test < "$1" >/dev/null 2>&1; }

make_nic
make_keys
write_sshd_config
cp "$SRC_DIR/conf/firewall-v4.rules" "$T/fw4.rules"
write_nic_config "$T/oobd.conf" '[firewall]' "ipv4 = $T/fw4.rules"
check "the shipped rules file as it is: oobd -t takes the config" -- "$OOBD" -t -c "$T/oobd.conf"
check "... and so does iptables-legacy-restore" -- restore_takes "$T/fw4.rules"

# --- CR LF line ends in the rules file ---
crlf "$T/fw4.rules"
! restore_takes "$T/fw4.rules"
ok $? "iptables-legacy-restore refuses the rules file with CR LF line ends"
# The first line restore reads: comments are skipped, and a line of a
# carriage return alone is not blank to it.
first=$(grep -n -m1 -v '^#' "$T/fw4.rules" | cut -d: -f1)
out=$("$OOBD" -t -c "$T/oobd.conf" 2>&1)
is "$?" 1 "oobd -t rejects it"
like "$out" "^$T/fw4\.rules:$first: a carriage return ends the line \(DOS line endings\?\), which iptables-restore reads as part of its last word: dos2unix, or sed -i 's/\\\\r\\$//', removes them$" \
	"oobd -t names its first line that is no comment ($first) and says why"

# --- a byte-order mark first in the rules file and in the sshd config ---
cp "$SRC_DIR/conf/firewall-v4.rules" "$T/fw4.rules"
bom "$T/fw4.rules"
! restore_takes "$T/fw4.rules"
ok $? "iptables-legacy-restore refuses the rules file with a byte-order mark"
cp "$T/sshd_config" "$T/sshd_config.good"
bom "$T/sshd_config"
ssh-keygen -q -t ed25519 -N '' -f "$T/ssh_host_ed25519_key"
mkdir -p /run/sshd
! /usr/sbin/sshd -t -f "$T/sshd_config" 2>/dev/null
ok $? "sshd -t refuses its config with a byte-order mark"
out=$("$OOBD" -t -c "$T/oobd.conf" 2>&1)
is "$?" 1 "oobd -t rejects the config"
like "$out" "^$T/fw4\.rules:1: the file starts with a byte-order mark, which iptables-restore reads as part of the first line: save the file as UTF-8 without BOM$" "oobd -t: the rules file's mark, at line 1"
like "$out" "^$T/sshd_config:1: Bad configuration option: \\\\357\\\\273\\\\277# \(the file starts with a byte-order mark, which sshd reads as part of the first line: save the file as UTF-8 without BOM\)$" "... and, in the same run, sshd's complaint of its config, with the cause"
cp "$T/sshd_config.good" "$T/sshd_config"

# --- characters pasted from a web page, which a terminal shows as a space
# or as nothing: a no-break space after a value, a zero-width space ---
cp "$T/sshd_config.good" "$T/sshd_config"
printf 'LoginGraceTime 30\302\240\n' >> "$T/sshd_config"
nb=$(wc -l < "$T/sshd_config")
! /usr/sbin/sshd -t -f "$T/sshd_config" 2>/dev/null
ok $? "sshd -t refuses a value with a no-break space after it"
cp "$T/oobd.conf" "$T/oobd.conf.good"
sed -i -e 's|^address = \(.*\)$|address = \1\xc2\xa0|' -e 's|^rename = |\xe2\x80\x8brename = |' "$T/oobd.conf"
out=$("$OOBD" -t -c "$T/oobd.conf" 2>&1)
is "$?" 1 "oobd -t rejects them"
like "$out" "^$T/oobd\.conf:$(grep -n '^address' "$T/oobd.conf" | cut -d: -f1): key 'address': '$OOB4/24<U\+00A0>' is not ADDRESS/PREFIXLEN \(invisible: a no-break space; pasted from a web page or a document\?\)$" \
	"oobd.conf: the no-break space is shown, and named"
like "$out" "^$T/oobd\.conf:[0-9]+: unknown key '<U\+200B>rename' in \[interface\] \(invisible: a zero-width space; pasted from a web page or a document\?\)$" \
	"oobd.conf: the zero-width space too"
cp "$T/oobd.conf.good" "$T/oobd.conf"
out=$("$OOBD" -t -c "$T/oobd.conf" 2>&1)
like "$out" "^$T/sshd_config:$nb: invalid time value\. \(it holds <U\+00A0>, a no-break space, which a terminal does not show: pasted from a web page or a document\?\)$" \
	"sshd config: sshd's complaint, and what it does not show"
cp "$T/sshd_config.good" "$T/sshd_config"
# ... and in a rules file, where restore's words show it as a space.
sed '0,/^-A INPUT -p tcp --dport 22 /s//-A INPUT -p tcp --dport\xc2\xa022 /' "$SRC_DIR/conf/firewall-v4.rules" > "$T/fw4.rules"
nb=$(grep -n -- '--dport.22 ' "$T/fw4.rules" | grep -v -- '--dport 22' | cut -d: -f1)
! restore_takes "$T/fw4.rules"
ok $? "iptables-legacy-restore refuses a rule with a no-break space"
out=$("$OOBD" -t -c "$T/oobd.conf" 2>&1)
like "$out" "^$T/fw4\.rules:$nb: unknown option \"--dport<U\+00A0>22\" \(it holds <U\+00A0>, a no-break space, which a terminal does not show: pasted from a web page or a document\?\)$" \
	"rules file: restore's complaint, the character shown and named"
cp "$SRC_DIR/conf/firewall-v4.rules" "$T/fw4.rules"

# --- oobd's own config with both: inih reads it, and so does oobd ---
cp "$SRC_DIR/conf/firewall-v4.rules" "$T/fw4.rules"
crlf "$T/oobd.conf"
bom "$T/oobd.conf"
out=$("$OOBD" -t -c "$T/oobd.conf" 2>&1)
is "$?" 0 "oobd -t takes its own config with a byte-order mark and CR LF line ends"
like "$out" "configuration is valid" "... and says so"

# --- the daemon with the CR LF rules file ---
crlf "$T/fw4.rules"
start_oobd "$T/oobd.conf"
check "sshd answers (the built-in ruleset lets it in)" -- wait_until 20 ssh_banner "$OOB4"
is "$(oob_ssh "$OOB4" echo in-oob 2>>"$T/ssh.log")" "in-oob" "an admin logs in"
like "$(grep 'firewall IPv4' "$T/oobd.log")" "^<3>firewall IPv4: $T/fw4\.rules:$first: a carriage return ends the line \(DOS line endings\?\).*; installing the built-in ruleset" \
	"the log says why the file was refused, at its line"
like "$("$OOBCTL" status --json | jq -r '.problems[]')" "^IPv4 firewall: the built-in ruleset is active \($T/fw4\.rules:$first: a carriage return ends the line" \
	"status says so"

# Mended (dos2unix's work) and reloaded: the file is in force.
sed -i 's/\r$//' "$T/fw4.rules"
"$OOBCTL" reload >/dev/null 2>&1
ok $? "oobctl reload after the file is mended"
is "$("$OOBCTL" status --json | jq -r '.firewall.ipv4.source')" "file" "the file is in force"

stop_oobd
done_testing
