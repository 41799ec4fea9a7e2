# SPDX-License-Identifier: GPL-2.0-or-later
# What ships around oobctl: the man page is clean roff and names every command
# and option; docs/control.md names every JSON member and metric a real oobd
# emits; the bash completion completes commands, options and the running
# oobd's services; the metrics units are valid, and what they run writes the
# textfile (and removes it when oobd does not answer).
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
[ -x "$OOBCTL" ] || bail "$OOBCTL not built (run make)"
command -v jq >/dev/null || skip_all "needs jq"
MAN=$SRC_DIR/docs/oobctl.8
DOC=$SRC_DIR/docs/control.md
COMPLETION=$SRC_DIR/conf/oobctl.bash-completion
UNIT=$SRC_DIR/systemd/oobd-metrics.service
TIMER=$SRC_DIR/systemd/oobd-metrics.timer
skip_one() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n # skip $*"; }

# --- the man page ---
if command -v groff >/dev/null; then
	out=$(groff -man -ww -z "$MAN" 2>&1)
	is "$out" "" "groff -man -ww -z docs/oobctl.8 is silent"
else
	skip_one "groff is not installed"
fi
usage=$("$OOBCTL" -h)
for c in status metrics reload restart down up; do
	like "$usage" "^  $c" "oobctl -h lists $c"
	grep -q "^\.B $c\$\|^\.BI* \"*$c" "$MAN"
	ok $? "the man page documents $c"
done
for o in '\\-\\-json' '\\-o' '\\-\\-yes' '\\-s, \\-\\-socket' '\\-h, \\-\\-help' '\\-V, \\-\\-version'; do
	grep -qF -- "$(printf '%b' "$o")" "$MAN"
	ok $? "the man page documents $(printf '%b' "$o" | tr -d '\\')"
done
for s in 0 1 2 3 4 5; do
	grep -A1 '^\.SH EXIT STATUS' -A60 "$MAN" | grep -q "^\.B $s\$"
	ok $? "the man page documents exit status $s"
done

# --- a real oobd, for the completion and the documentation of its output ---
make_nic
make_keys
write_sshd_config
write_config "$T/oobd.conf" <<EOF
[interface]
match = mac:$NIC_MAC
rename = oob0
address = $OOB4/24
gateway = $ADM4
[dns]
nameserver = 203.0.113.53
search = example.org
[sysctl]
net.ipv4.ip_forward = 0
[service idle.svc]
exec = /bin/sleep 100000
EOF
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "oobd is up: sshd answers" || bail "oobd did not come up"
# A warning in the log ring, so "log" has an element too.
ip -n oob addr del "$OOB4/24" dev oob0
repaired() { "$OOBCTL" status --json | jq -e '.repairs > 0 and (.log | length) > 0'; }
wait_until 10 repaired
ok $? "a repair was logged"

# --- docs/control.md: every member and metric a real oobd emits is documented ---
"$OOBCTL" status --json > "$T/status.json"
keys=$(jq -r '[paths | map(select(type == "string")) | last // empty] | unique | .[]' "$T/status.json")
nkeys=$(echo "$keys" | wc -l)
[ "$nkeys" -ge 50 ] && grep -qx backoff_remaining_ms <<< "$keys"
ok $? "the JSON members were read ($nkeys names)"
undocumented=
for k in $keys; do
	grep -q "| \`$k\` |" "$DOC" || undocumented="$undocumented $k"
done
is "$undocumented" "" "every JSON member of status --json has a row in docs/control.md"
for req in ping status "status json" metrics reload "restart NAME" down "down yes" up; do
	grep -q "^| \`$req\` |" "$DOC"
	ok $? "docs/control.md documents the request \"$req\""
done
"$OOBCTL" metrics > "$T/metrics"
undocumented=
for m in $(awk '/^# TYPE/ { print $3 }' "$T/metrics"); do
	grep -q "^| \`${m}[{\`]" "$DOC" || undocumented="$undocumented $m"
done
is "$undocumented" "" "every metric family has a row in docs/control.md"

# --- the bash completion ---
# complete WORDS...: what the completion offers for the last word (sorted, one line).
complete_words() {
	(
		export PATH="$BUILD:$PATH"
		# shellcheck disable=SC1090
		. "$COMPLETION"
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_oobctl oobctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
	)
}
# shellcheck disable=SC1090
(. "$COMPLETION" && complete -p oobctl) | grep -q -- '-F _oobctl oobctl'
ok $? "the completion registers for oobctl"
is "$(complete_words oobctl '')" "down metrics reload restart status up" "commands"
is "$(complete_words oobctl re)" "reload restart" "commands starting with re"
is "$(complete_words oobctl -)" "--help --socket --version -V -h -s" "options"
is "$(complete_words oobctl status '')" "--json" "status: --json"
is "$(complete_words oobctl status --json '')" "" "nothing after status --json"
is "$(complete_words oobctl metrics '')" "-o" "metrics: -o"
is "$(complete_words oobctl down '')" "--yes" "down: --yes"
is "$(complete_words oobctl up '')" "" "nothing after up"
is "$(complete_words oobctl restart '')" "idle.svc sshd" "restart: the running oobd's services"
is "$(complete_words oobctl restart i)" "idle.svc" "restart: a service by its first letter"
is "$(complete_words oobctl -s /run/oobd/control restart '')" "idle.svc sshd" "restart after -s SOCKET"
is "$(complete_words oobctl -s "$T/nowhere" restart '')" "sshd" "restart with oobd not reachable: sshd"
is "$(complete_words oobctl -s /run/oobd/con)" "/run/oobd/control" "-s: file names"
is "$(complete_words oobctl --socket = /run/oobd/con)" "/run/oobd/control" "--socket=: file names"
is "$(complete_words oobctl metrics -o "$T/oobd.co")" "$T/oobd.conf $T/oobd.conf.last-good" "metrics -o: file names"
is "$(complete_words /nonexistent/oobctl st)" "status" "works when the program is typed with a path"

# --- the metrics units ---
grep -qx 'Type=oneshot' "$UNIT"
ok $? "oobd-metrics.service is Type=oneshot"
grep -qx 'ExecStart=/usr/sbin/oobctl metrics -o /var/lib/prometheus/node-exporter/oobd.prom' "$UNIT"
ok $? "it runs oobctl metrics -o into Debian's textfile directory"
grep -qx 'OnUnitActiveSec=30s' "$TIMER" && grep -qx 'AccuracySec=1s' "$TIMER"
ok $? "oobd-metrics.timer: every 30 s, AccuracySec=1s"
# The units as installed with the programs where this build has them.
mkdir -p "$T/units" "$T/textfile"
for f in "$UNIT" "$TIMER"; do
	sed -e "s|/usr/sbin/oobctl|$OOBCTL|" -e "s|/var/lib/prometheus/node-exporter|$T/textfile|g" "$f" \
		> "$T/units/${f##*/}"
done
if command -v systemd-analyze >/dev/null; then
	out=$(cd "$T/units" && systemd-analyze verify --man=no ./oobd-metrics.service ./oobd-metrics.timer 2>&1)
	ok $? "systemd-analyze verify accepts both units" || diag "$out"
	is "$out" "" "without a warning"
else
	skip_one "systemd-analyze is not installed"
	skip_one "systemd-analyze is not installed"
fi
# Run what the service runs, as systemd would: ExecStart's words, then
# ExecStopPost through its shell with the service's result ("$$" is "$").
exec_start=$(sed -n 's/^ExecStart=//p' "$T/units/oobd-metrics.service")
exec_stop_post=$(sed -n 's/^ExecStopPost=//p' "$T/units/oobd-metrics.service")
exec_stop_post=${exec_stop_post//\$\$/\$}
run_unit() {
	local rc result
	# shellcheck disable=SC2086
	$exec_start 2>/dev/null; rc=$?
	[ "$rc" = 0 ] && result=success || result=exit-code
	SERVICE_RESULT=$result eval "$exec_stop_post"
	return "$rc"
}
run_unit
ok $? "the service's command succeeds with oobd running"
grep -q '^oobd_up 1$' "$T/textfile/oobd.prom"
ok $? "it wrote oobd.prom into the textfile directory"
is "$(ls "$T/textfile")" oobd.prom "and nothing else"
stop_oobd
run_unit
is "$?" 2 "with oobd stopped the service's command fails (exit 2)"
test -e "$T/textfile/oobd.prom"
ok $(( ! $? )) "and ExecStopPost removed the stale oobd.prom"

done_testing
