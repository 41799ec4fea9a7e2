# SPDX-License-Identifier: GPL-2.0-or-later
# The last config that worked is kept beside the configured file, as
# FILE.last-good, written only when it changes. A start that finds the
# file unusable (an edit with a typo that no reload tried, then a reboot)
# runs that copy instead: the path comes up, and status says why and what
# runs. A reload reads the configured file again: still broken, it is
# refused; fixed, it is in force and becomes the last-good copy. Without a
# usable copy oobd does not start. "oobd --down" uses the copy too.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
CONF=$T/oobd.conf
LG=$CONF.last-good
json() { "$OOBCTL" status --json | jq -r "$1"; }

path_up
wait_until 10 test -f "$LG"
ok $? "the config in force is kept as FILE.last-good"
check "... with the same content" -- cmp -s "$CONF" "$LG"
is "$(stat -c '%U %a' "$LG")" "root 600" "... root's, mode 600"
lg_id=$(stat -c '%i %Y' "$LG")
stop_oobd

start_oobd "$CONF"
wait_until 15 ssh_banner "$OOB4"
ok $? "started again with the same config"
is "$(stat -c '%i %Y' "$LG")" "$lg_id" "the copy is not written again when nothing changed"
is "$(json .oobd.config_error)" null "status: no config error"
stop_oobd

# A typo no reload tried, then a reboot.
cp "$CONF" "$T/good.conf"
echo "exce = /usr/sbin/sshd" >> "$CONF" # [sshd] is the last section
line=$(wc -l < "$CONF")
"$OOBD" -t -c "$CONF" > "$T/t.out" 2>&1
is "$?" 1 "oobd -t: the file is not valid"
like "$(cat "$T/t.out")" "^$CONF:$line: " "oobd -t: FILE:LINE: what is wrong"
like "$(cat "$T/t.out")" "^$CONF: not usable; a start would run the last config that worked, $LG, instead$" \
	"oobd -t: and what a start would run instead"
mark=$(log_mark)
start_oobd "$CONF"
wait_until 15 ssh_banner "$OOB4"
ok $? "a start with a broken config: the path comes up all the same"
check "oobd runs" -- kill -0 "$OOBD_PID"
log_after "$mark" "$CONF is not usable \\($CONF:$line: .*\\); using the last config that worked, $LG"
ok $? "the log says which file runs, and why"
is "$(json .oobd.config)" "$LG" "status: the last-good copy is the config in force"
like "$(json .oobd.config_error)" "^$CONF:$line: " "status: why the configured file was refused, FILE:LINE"
is "$(json .health)" degraded "status: degraded"
like "$("$OOBCTL" status)" "! $CONF is not usable \\($CONF:$line: .*\\): oobd runs the last config that worked, $LG; fix it, then oobctl reload" \
	"status: a problem line says what to do"
check "the copy still holds the config that worked" -- cmp -s "$T/good.conf" "$LG"
like "$(oob_ssh "$OOB4" echo in 2>&1)" "^in$" "a login works"

"$OOBCTL" reload >/dev/null 2>&1
is "$?" 1 "a reload with the file still broken is refused"
like "$(json .oobd.config_error)" "^$CONF:$line: " "... and the copy stays in force"
check "... and oobd runs" -- kill -0 "$OOBD_PID"

# Fixed, with a change: the reload puts it in force, and it is kept.
{ cat "$T/good.conf"; echo "[sysctl]"; echo "net.ipv4.conf.all.forwarding = 0"; } > "$CONF"
"$OOBCTL" reload >/dev/null 2>&1
is "$?" 0 "the file fixed: the reload takes it"
is "$(json .oobd.config)" "$CONF" "status: the configured file is in force"
is "$(json .oobd.config_error)" null "status: no config error"
is "$(json .health)" ok "status: ok"
check "the fixed file is the last-good copy now" -- cmp -s "$CONF" "$LG"
stop_oobd

# "oobd --down" with a broken file: the copy names what to take down.
echo "exce = /usr/sbin/sshd" >> "$CONF"
mark=$(log_mark)
"$OOBD" -c "$CONF" --down >>"$T/oobd.log" 2>&1
is "$?" 0 "oobd --down with a broken file"
check "... took the path down: the namespace is gone" -- test ! -e /run/netns/oob
log_after "$mark" "using the last config that worked, $LG"
ok $? "... with the last-good copy"

# No usable copy: oobd does not start.
echo "garbage" > "$LG"
like "$("$OOBD" -t -c "$CONF" 2>&1)" "^$CONF: not usable, and neither is $LG: oobd would not start$" \
	"oobd -t says so"
mark=$(log_mark)
"$OOBD" -c "$CONF" >>"$T/oobd.log" 2>&1
is "$?" 1 "a broken file and a broken copy: oobd does not start"
log_after "$mark" "$CONF is not usable, and neither is the last config that worked, $LG"
ok $? "... and says so"
rm -f "$LG"
mark=$(log_mark)
"$OOBD" -c "$CONF" >>"$T/oobd.log" 2>&1
is "$?" 1 "a broken file and no copy: oobd does not start"
log_after "$mark" "$CONF is not usable, and there is no $LG to run instead"
ok $? "... and says so"
done_testing
