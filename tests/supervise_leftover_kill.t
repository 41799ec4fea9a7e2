# SPDX-License-Identifier: GPL-2.0-or-later
# A [service]'s program forks a child that ignores SIGTERM, and exits at
# once on its own SIGTERM. When the service is stopped (oobctl down), removed
# by a reload, or oobd itself stops, the child is what the program left
# running: it gets SIGTERM, ignores it, and gets SIGKILL after the stop
# timeout. Nothing of a stopped service stays running.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
cp /bin/sleep "$T/stubborn" # the child that ignores SIGTERM: a name of its own to count
cp /bin/sleep "$T/prog"     # the program, in the foreground; SIGTERM ends it
cat > "$T/svc" <<EOF
#!/bin/sh
# \$1 tells the services' processes apart.
(trap '' TERM; exec $T/stubborn "\$1") &
exec $T/prog "\$1"
EOF
chmod 0755 "$T/svc"
path_up
for n in 1 2 3; do
	printf '\n[service s%s]\nexec = %s/svc 10000%s\n' "$n" "$T" "$n" >> "$T/oobd.conf"
done

# running NAME ARG: pids of live (not zombie) processes named NAME whose
# first argument is ARG.
running() {
	local p
	for p in $(pgrep -x "$1"); do
		[ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" = Z ] && continue
		[ "$(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null)" = "$T/$1 $2 " ] && echo "$p"
	done
}
count() { running "$@" | wc -l; }
live() { # NAME: how many live processes are named NAME
	local p n=0
	for p in $(pgrep -x "$1"); do
		[ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" = Z ] || n=$((n + 1))
	done
	echo "$n"
}
# up N: service sN's program and its stubborn child both run, one of each.
up() { [ "$(count prog "10000$1")" = 1 ] && [ "$(count stubborn "10000$1")" = 1 ]; }
gone() { [ "$(count prog "10000$1")" = 0 ] && [ "$(count stubborn "10000$1")" = 0 ]; }
# SIGKILL comes 5 s (SERVICE_STOP_TIMEOUT_MS) after the SIGTERM.
LIMIT=20

"$OOBCTL" reload >/dev/null
ok $? "a reload adds three services"
wait_until 10 eval 'up 1 && up 2 && up 3'
ok $? "each runs, with a child that ignores SIGTERM"

# --- removed by a reload ---
mark=$(log_mark)
sed -i '/^\[service s2\]/,/^exec/d' "$T/oobd.conf"
"$OOBCTL" reload >/dev/null
wait_until 10 log_after "$mark" '^<6>s2 stopped'
ok $? "s2 removed from the config: its program stopped"
wait_until $LIMIT gone 2
ok $? "... and its child that ignored SIGTERM is gone too"
log_after "$mark" '^<4>s2: pid [0-9]+, left running by its program, did not stop on SIGTERM; killing it$'
ok $? "... killed, with a warning"
wait_until 10 eval '! "$OOBCTL" status 2>&1 | grep -q " s2 "'
ok $? "... and the service is no longer listed by status"
check "s1 and s3 run on" -- up 1
check "..." -- up 3

# --- a restart by request: the old instance's child does not stay ---
old=$(running stubborn 100001)
mark=$(log_mark)
"$OOBCTL" restart s1 >/dev/null
wait_until $LIMIT eval '[ -z "$(running stubborn 100001 | grep -x "$old")" ] && up 1'
ok $? "oobctl restart s1: the old child is gone, one new instance runs"

# --- stopped by request: oobctl down ---
mark=$(log_mark)
"$OOBCTL" down >/dev/null
ok $? "oobctl down"
wait_until $LIMIT eval 'gone 1 && gone 3'
ok $? "... stops the services and what their programs left, SIGTERM ignored or not"
"$OOBCTL" up >/dev/null
ok $? "oobctl up"
wait_until 10 eval 'up 1 && up 3'
ok $? "... starts them again"

# --- a leftover that forks all the time ---
# A SIGKILL pass reads /proc at its start: what a leftover forks after
# that, before the pass kills it, is not in that pass. So the passes go on
# until one finds nothing. The forker forks kids (SIGTERM ignored) without
# pause, each with the forker's pid as its argument; sleepers outside the
# service make each pass long enough for forks to fall in it.
cp /bin/sleep "$T/kid"
cp /bin/sleep "$T/pad"
cat > "$T/forker" <<EOF
#!/bin/bash
trap '' TERM
echo \$\$ > $T/forker.pid
prev=
while :; do
	$T/kid \$\$ &
	[ -n "\$prev" ] && kill -KILL "\$prev" 2>/dev/null
	prev=\$!
done
EOF
cat > "$T/svc-f" <<EOF
#!/bin/sh
$T/forker &
exec $T/prog 100009
EOF
chmod 0755 "$T/forker" "$T/svc-f"
pads=
for i in $(seq 300); do "$T/pad" 100000 & pads="$pads $!"; done
printf '\n[service f]\nexec = %s/svc-f\n' "$T" >> "$T/oobd.conf"
"$OOBCTL" reload >/dev/null
wait_until 10 test -s "$T/forker.pid"
ok $? "f runs its forker"
kids_of() { count kid "$1"; }
for r in 1 2 3; do
	fpid=$(cat "$T/forker.pid")
	rm "$T/forker.pid"
	"$OOBCTL" restart f >/dev/null
	wait_until 10 eval 'test -s "$T/forker.pid" && [ "$(kids_of "$fpid")" = 0 ]'
	ok $? "restart $r of f: no kid of the old forker escaped its SIGKILL"
done
kill $pads
wait $pads 2>/dev/null

# --- oobd stops ---
kill -TERM "$OOBD_PID"
wait "$OOBD_PID"
is "$?" 0 "oobd stopped (SIGTERM), exit status 0"
OOBD_PID=
wait_until 10 eval 'gone 1 && gone 3 && [ "$(count prog 100009)" = 0 ] && [ "$(live forker)" = 0 ] && [ "$(live kid)" = 0 ]'
ok $? "nothing of the services is left running"
log_has '^<4>(s[13]|f): pid [0-9]+, left running by its program, did not stop on SIGTERM; killing it$'
ok $? "... the children that ignored SIGTERM were killed before oobd exited"
done_testing
