#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# oobd's benchmarks: every figure against a baseline measured in the same
# run, in a throw-away sandbox (the same as the integration tests'). Prints
# a table and writes it as JSON ($BENCH_JSON, default build/bench.json).
# What each figure means: docs/performance.md. Run it with "make bench".
#
# Environment: BENCH_REPS (repetitions, 10), BENCH_ONLY ("1 2 6": only
# those figures), BENCH_IDLE (seconds of the idle window, 30).
. "$(dirname "$0")/../tests/lib.sh"; sandbox_enter "$@"
set -o pipefail

BENCH_DIR=$SRC_DIR/bench
BT=$BUILD/bench/benchtool
MARK=$BUILD/bench/mark-sshd
REPS=${BENCH_REPS:-10}
IDLE=${BENCH_IDLE:-30}
ONLY=${BENCH_ONLY:-}
JSON=${BENCH_JSON:-$BUILD/bench.json}
SSHD=/usr/sbin/sshd
IP=$(command -v ip)
IPT_RESTORE=$(command -v iptables-legacy-restore)
R=$T/bench
mkdir -p "$R"
[ -x "$BT" ] && [ -x "$MARK" ] || bail "$BT or $MARK not built (make bench-tools)"
for p in sshd:$SSHD ssh-keygen iptables-legacy-restore iptables-legacy-save sysctl python3; do
	command -v "${p#*:}" >/dev/null || bail "needs ${p#*:}"
done

progress() { echo "# $*" >&2; }
# want FIGURE: BENCH_ONLY is empty or names it ("6s": figure 6's routes,
# "6f": its ruleset; "6": both).
want() { [ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* || ( $1 == 6? && " $ONLY " == *" 6 "* ) ]]; }
# rec SERIES VALUE: one sample (ns, KiB or a count) of a series.
rec() { echo "$2" >> "$R/$1.series"; }
gone() { ! kill -0 "$1" 2>/dev/null; }
ctxt() { awk '/^(non)?voluntary_ctxt_switches/ { s += $2 } END { print s }' "/proc/$1/status"; }
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
# What the process alone holds (USS: pages no other process maps), and its
# share of everything it maps (PSS: each page divided by its mappers).
uss_kib() { awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s }' "/proc/$1/smaps_rollup"; }
pss_kib() { awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup"; }
hwm_kib() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }
settle() { sleep 0.3; } # let the kernel finish tearing down the last namespace

# ---------------------------------------------------------------- the world
# The "dedicated NIC": a veth with a fixed MAC whose peer adm0 is the admin
# workstation's. The workstation knows the oob MAC up front (permanent
# neighbour entries), so its probes never wait on ARP/ND retransmission
# timers: what is timed is the oob side.
admin_end() {
	"$IP" -n admin -batch - <<-EOF
	addr add $ADM4/24 dev adm0
	addr add $ADM6/64 dev adm0 nodad
	link set adm0 up
	neigh replace $OOB4 lladdr $NIC_MAC dev adm0 nud permanent
	neigh replace $OOB6 lladdr $NIC_MAC dev adm0 nud permanent
	EOF
}
new_nic() { # new_nic [main|stage]
	if [ "${1:-main}" = stage ]; then
		"$IP" -n stage link add "$NIC" address "$NIC_MAC" type veth peer name adm0 netns admin
	else
		"$IP" link add "$NIC" address "$NIC_MAC" type veth peer name adm0 netns admin
	fi
	admin_end
}

# Waiting without polling, while oobd works. Here every program start costs
# milliseconds and two do not run side by side any faster than one after
# the other, so a "sleep 0.05; grep" loop beside oobd slows down what it
# waits for (the restore in a reload of 5,000 rules: 45 ms polled that way,
# 25 ms not).
# A waiter is set up before the action it waits for (it says when it
# watches) and then sleeps in inotify; the pid comes through a FIFO.
WAITER=
mkfifo "$R/waiter" "$R/oobd.pid"
# Held open for reading and writing: opening them never blocks, and a read
# gives up after its timeout if the writer died first.
exec {WAITER_FD}<>"$R/waiter" {PID_FD}<>"$R/oobd.pid"
# wait_begin FILE TEXT [N]: a waiter for N lines (1) of FILE containing TEXT.
wait_begin() {
	wait_cancel
	"$BT" wait-line "$1" "$2" "${3:-1}" 60 > "$R/waiter" &
	WAITER=$!
	read -t 10 -r _ <&"$WAITER_FD" || bail "the waiter for '$2' did not start"
}
wait_end() { # 0 once the waiter's lines came, 1 if they never did
	local w=$WAITER
	WAITER=
	[ -n "$w" ] && wait "$w"
}
wait_cancel() {
	[ -n "$WAITER" ] || return 0
	kill "$WAITER" 2>/dev/null
	wait "$WAITER" 2>/dev/null
	WAITER=
}

OPID= STAMPER= BARE_PID=
OOBD_LOG=$R/oobd.cur
# oobd_start CONF: oobd with its output stamped line by line into $OOBD_LOG;
# its exec time in $R/t0, the sshd wrapper's starts in $R/mark; a waiter
# for its first sshd daemon start (oobd_started).
oobd_start() {
	: > "$OOBD_LOG"
	rm -f "$R/t0" "$R/mark"
	wait_begin "$R/mark" " D"
	BENCH_MARK=$R/mark "$BT" spawn -t "$R/t0" -l "$OOBD_LOG" -p "$R/oobd.pid" -- "$OOBD" -c "$1" &
	STAMPER=$!
	read -t 10 -r OPID <&"$PID_FD" || bail "oobd did not start"
}
oobd_started() { wait_end; }
# oobd_idle: its sshd answered oobd's probe: a reload measured after this does
# not share the machine with sshd's own start.
oobd_idle() {
	wait_begin "$OOBD_LOG" "sshd ready"
	wait_end || bail "oobd's sshd never answered its probe"
}
oobd_stop() {
	wait_cancel
	[ -n "$STAMPER" ] || return 0
	kill -TERM "$OPID" 2>/dev/null
	# The stamper ends when oobd and the sshd it ran have closed the pipe.
	if ! wait_until 15 gone "$STAMPER"; then
		kill -KILL "$OPID" "$(cat /run/oobd/sshd.pid 2>/dev/null)" 2>/dev/null
		wait_until 5 gone "$STAMPER" || kill -KILL "$STAMPER" 2>/dev/null
	fi
	wait "$STAMPER" 2>/dev/null
	{ echo "=== oobd run"; cat "$OOBD_LOG"; } >> "$T/oobd.log"
	STAMPER= OPID=
}
# since PATTERN T [NTH]: the time from T to when the NTH line (default 1)
# with PATTERN was logged, in $SINCE. The stamper may read a line a little
# after oobd wrote it, so wait for it; bail out if it never comes.
since() {
	local p=$1 t=$2 n=${3:-1} s
	wait_until 10 has_lines "$p" "$n" || bail "no line '$p' (#$n) in oobd's log"
	s=$(awk -v p="$p" -v n="$n" 'index($0, p) && ++c == n { print $1; exit }' "$OOBD_LOG")
	[[ $s =~ ^[0-9]+$ && $t =~ ^[0-9]+$ ]] || bail "bad stamps '$s' '$t' for '$p'"
	SINCE=$(( s - t ))
}
# since_after PATTERN T: the same, for the first such line logged at T or later.
since_after() {
	local p=$1 t=$2
	wait_until 10 logged_after "$p" "$t" || bail "no line '$p' after $t in oobd's log"
	SINCE=$(( $(logged_after "$p" "$t") - t ))
}
logged_after() { awk -v p="$1" -v t="$2" 'index($0, p) && $1 >= t { print $1; f = 1; exit } END { exit !f }' "$OOBD_LOG"; }
nlines() { grep -c -F -- "$1" "$OOBD_LOG"; }
has_lines() { [ "$(nlines "$1")" -ge "$2" ]; }
t0() { cat "$R/t0"; }
# When oobd turned to starting sshd: the daemon itself. (Its config check,
# "sshd -T", runs earlier: the firewall asks it for the ports to let in, and
# the supervisor reuses that answer while the file is unchanged.)
first_mark() { awk '$2 == "D" { print $1; exit }' "$R/mark"; }

sshd_stop() { # the recipe's or the bare sshd
	if [ -n "$BARE_PID" ]; then
		kill -TERM "$BARE_PID" 2>/dev/null
		wait "$BARE_PID" 2>/dev/null
		BARE_PID=
	fi
	local p
	p=$(cat /run/oobd/sshd.pid 2>/dev/null)
	if [ -n "$p" ] && kill -TERM "$p" 2>/dev/null; then
		wait_until 10 gone "$p"
	fi
	rm -f /run/oobd/sshd.pid
}
bare_sshd() { # sshd started by hand inside the prepared namespace
	"$BT" spawn -n /run/netns/oob -t "$R/t0" -- "$SSHD" -D -e -f "$T/sshd_config" \
		-o PidFile=/run/oobd/sshd.pid 2>>"$T/sshd.log" &
	BARE_PID=$!
}

# Back to a host that has never seen oobd: no namespace, the NIC in the
# main namespace, nothing running.
reset_world() {
	oobd_stop
	sshd_stop
	"$IP" -n oob link del oob0 2>/dev/null
	"$IP" -n oob link del "$NIC" 2>/dev/null
	"$IP" -n stage link del "$NIC" 2>/dev/null
	"$IP" link del "$NIC" 2>/dev/null
	"$IP" netns del oob 2>/dev/null
	rm -rf /etc/netns/oob
	new_nic main
	settle
}
# The namespace exists and holds the NIC, nothing configured (figure 6).
prepared_ns() {
	reset_world
	"$IP" netns add oob
	"$IP" link set "$NIC" netns oob name oob0
}

dad_done() { [ -z "$("$IP" -n oob addr show tentative)" ]; }
wait_banner() { "$BT" banner -n /run/netns/admin -a "$OOB4" -w "${1:-10000}" >/dev/null; }

# ---------------------------------------------------------------- configs
# The everyday config (conf/oobd.conf with both families, as in the tests).
cat > "$R/routes.typical" <<EOF
198.51.100.0/24 via 203.0.113.254
EOF
cat > "$R/fw.typical" <<EOF
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A INPUT -p icmp -j ACCEPT
-A INPUT -s 203.0.113.0/24 -p tcp -m tcp --dport 22 -j ACCEPT
COMMIT
EOF
cat > "$R/fw6.typical" <<EOF
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A INPUT -p ipv6-icmp -j ACCEPT
-A INPUT -s 2001:db8:10::/64 -p tcp -m tcp --dport 22 -j ACCEPT
COMMIT
EOF
typical_conf() { # typical_conf FILE SSHD_EXEC [IPV4_RULESET IPV6_RULESET]
	{
		echo "[namespace]"
		echo "name = oob"
		echo "[interface]"
		echo "match = mac:$NIC_MAC"
		echo "rename = oob0"
		echo "address = $OOB4/24"
		echo "address = $OOB6/64"
		echo "gateway = $ADM4"
		echo "gateway = $ADM6"
		sed 's/^/route = /' "$R/routes.typical"
		echo "[dns]"
		echo "nameserver = 203.0.113.53"
		echo "search = oob.example.net"
		echo "[sysctl]"
		echo "net.ipv4.ip_forward = 0"
		echo "net.ipv6.conf.all.forwarding = 0"
		if [ -n "${3:-}" ]; then
			echo "[firewall]"
			echo "ipv4 = $3"
			echo "ipv6 = $4"
		fi
		echo "[sshd]"
		echo "exec = $2"
		echo "config = $T/sshd_config"
	} > "$1"
}
# The recipe's parameters for the same end state.
RECIPE_ENV=(NS=oob "NIC=$NIC" RENAME=oob0 "ADDRS=$OOB4/24 $OOB6/64" "GW4=$ADM4" "GW6=$ADM6"
	"ROUTES=$R/routes.typical" NAMESERVERS=203.0.113.53 SEARCH=oob.example.net
	"SYSCTLS=net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0")
recipe() { env "${RECIPE_ENV[@]}" "$@" /bin/bash "$BENCH_DIR/recipe.sh"; }

# Is the typical config in place (whoever did it)? Bails out if not: a
# figure over an incomplete bring-up would be meaningless.
check_typical() {
	local a fw
	a=$("$IP" -n oob -o addr show dev oob0 scope global 2>/dev/null)
	[[ $a == *"$OOB4/24"* && $a == *"$OOB6/64"* ]] || bail "$1: addresses missing: $a"
	"$IP" -n oob route show 198.51.100.0/24 | grep -q "via 203.0.113.254" || bail "$1: route missing"
	"$IP" -n oob route show default | grep -q "$ADM4" || bail "$1: IPv4 gateway missing"
	"$IP" -n oob -6 route show default | grep -q "$ADM6" || bail "$1: IPv6 gateway missing"
	grep -q "nameserver 203.0.113.53" /etc/netns/oob/resolv.conf || bail "$1: resolv.conf missing"
	[ "$(ip netns exec oob sysctl -n net.ipv6.conf.oob0.accept_ra)" = 0 ] || bail "$1: sysctls not set"
	"$IP" -n oob -o link show oob0 | grep -q '[<,]UP[,>]' || bail "$1: oob0 not up"
	if [ "$FW_APPLIED" = 1 ] && [ "${2:-}" = fw ]; then
		fw=$(fw_rules)
		[ "$fw" -ge 4 ] || bail "$1: firewall not loaded ($fw rules)"
	fi
}
fw_rules() {
	{ ip netns exec oob iptables-legacy-save 2>/dev/null
	  ip netns exec oob iptables-nft-save 2>/dev/null; } | grep -c '^-A INPUT'
}

# Route i of a series: /29 blocks of 198.18.0.0/15 (RFC 2544's benchmark
# range), via the admin side.
gen_routes() { # gen_routes FIRST COUNT
	awk -v f="$1" -v n="$2" 'BEGIN { for (i = f; i < f + n; i++) { o = i * 8
		printf "198.%d.%d.%d/29 via 203.0.113.1\n", 18 + int(o / 65536), int(o / 256) % 256, o % 256 } }'
}
gen_addrs() { # gen_addrs COUNT: the NIC's address, then /32s of 198.51.100.0/24
	echo "$OOB4/24"
	awk -v n="$1" 'BEGIN { for (i = 1; i < n; i++) printf "198.51.100.%d/32\n", i }'
}
gen_ruleset() { # gen_ruleset COUNT
	awk -v n="$1" 'BEGIN {
		print "*filter"; print ":INPUT DROP [0:0]"; print ":FORWARD DROP [0:0]"; print ":OUTPUT ACCEPT [0:0]"
		print "-A INPUT -i lo -j ACCEPT"
		print "-A INPUT -s 203.0.113.0/24 -p tcp -m tcp --dport 22 -j ACCEPT"
		for (i = 2; i < n; i++) { o = i
			printf "-A INPUT -s 198.%d.%d.%d/32 -p tcp -m tcp --dport %d -j ACCEPT\n", 18 + int(o / 65536), int(o / 256) % 256, o % 256, 1024 + i % 60000 }
		print "COMMIT" }'
}

# Keep the samples and logs next to the JSON, whatever happens (a failed
# run is worth reading), then the sandbox's own cleanup.
bench_exit() {
	local st=$? raw
	raw=$(dirname "$JSON")/bench-raw
	rm -rf "$raw" && mkdir -p "$raw" && cp -r "$R"/. "$T"/*.log "$raw"/ 2>/dev/null
	(exit "$st")
	sandbox_cleanup
}
trap bench_exit EXIT

# ---------------------------------------------------------------- setup
make_keys
ssh-keygen -q -t ed25519 -N '' -C oob-bench -f "$T/ssh_host_ed25519_key"
write_sshd_config
mkdir -p /run/sshd /run/oobd
"$IP" netns add admin
"$IP" -n admin link set lo up
"$IP" netns add stage
"$IP" -n stage link set lo up
typical_conf "$R/typical-mark.conf" "$MARK"
typical_conf "$R/typical.conf" "$SSHD"
for c in typical-mark typical; do
	"$OOBD" -t -c "$R/$c.conf" >/dev/null || bail "$R/$c.conf is not valid"
done

# Does oobd apply [firewall] yet? (It is parsed before it is applied.)
FW_APPLIED=0
typical_conf "$R/typical-mark-fw.conf" "$MARK" "$R/fw.typical" "$R/fw6.typical"
if "$OOBD" -t -c "$R/typical-mark-fw.conf" >/dev/null 2>&1; then
	reset_world
	oobd_start "$R/typical-mark-fw.conf"
	oobd_started || bail "oobd never started sshd"
	[ "$(fw_rules)" -ge 4 ] && FW_APPLIED=1
	# Which sshd checks oobd runs before it starts sshd (t: -t, T: -T), in order.
	awk '$2 == "D" { exit } { printf "%s", $2 }' "$R/mark" > "$R/sshd_checks"
	oobd_stop
fi
progress "oobd applies [firewall]: $([ $FW_APPLIED = 1 ] && echo yes || echo 'not yet')"
echo "$FW_APPLIED" > "$R/fw_applied"

# ---------------------------------------------------------------- figure 1
# Bring-up: from exec to the namespace fully configured. oobd: its exec to
# its first "sshd -t" through the wrapper (every sshd start begins with it,
# after namespace, firewall, DNS and NIC; this end includes one fork+exec, a
# bias against oobd). Recipe: exec of bash to its exit. Alternated, a fresh
# host each time.
fig1() {
	local i conf=typical-mark fwv=() t
	local nsx="$IP netns exec oob"
	HELPERS_SEQ="$SSHD -T -f $T/sshd_config >/dev/null && $nsx $IPT_RESTORE < $R/fw.typical &&
		$nsx ${IPT_RESTORE/iptables/ip6tables} < $R/fw6.typical"
	HELPERS_PAR="$SSHD -T -f $T/sshd_config >/dev/null & $nsx $IPT_RESTORE < $R/fw.typical &
		$nsx ${IPT_RESTORE/iptables/ip6tables} < $R/fw6.typical & wait"
	if [ "$FW_APPLIED" = 1 ]; then
		conf=typical-mark-fw
		fwv=("FW4=$R/fw.typical" "FW6=$R/fw6.typical")
	fi
	for i in $(seq "$REPS"); do
		progress "figure 1: bring-up, run $i/$REPS"
		reset_world
		oobd_start "$R/$conf.conf"
		oobd_started || bail "figure 1: oobd never turned to sshd"
		t=$(t0)
		# The end: the routes, after the link went up, which waits for
		# the rules. (sshd may have started before: an sshd that listens
		# on wildcard addresses starts beside the NIC's move.)
		since "routes in namespace" "$t"; rec f1_oobd "$SINCE"
		since "starting with" "$t"; rec f1_oobd_started "$SINCE"
		since 'namespace "oob": created' "$t"; rec f1_oobd_ns "$SINCE"
		since "moved $NIC" "$t"; rec f1_oobd_moved "$SINCE"
		rec f1_oobd_sshd $(( $(first_mark) - t ))
		check_typical "figure 1 (oobd)" fw
		reset_world
		t=$(env "${fwv[@]}" "${RECIPE_ENV[@]}" "$BT" time -- /bin/bash "$BENCH_DIR/recipe.sh") ||
			bail "figure 1: the recipe failed"
		rec f1_recipe "$t"
		check_typical "figure 1 (recipe)" fw
		reset_world
		t=$("$BT" floor -i "$NIC") || bail "figure 1: the kernel floor failed"
		rec f1_floor "$t"
		t=$("$BT" time -- "$OOBD" --version) || bail "figure 1: oobd --version failed"
		rec f1_exec "$t"
		# The three programs oobd's start-up runs before sshd (sshd -T,
		# both restores), one after the other and side by side: what
		# running them in parallel gains on this machine.
		"$IP" netns add oob
		t=$("$BT" time -- /bin/bash -c "$HELPERS_SEQ") || bail "figure 1: the helpers failed"
		rec f1_helpers_seq "$t"
		t=$("$BT" time -- /bin/bash -c "$HELPERS_PAR") || bail "figure 1: the helpers failed"
		rec f1_helpers_par "$t"
		t=$("$BT" time -- /bin/true) || bail "figure 1: /bin/true failed"
		rec f1_true "$t"
	done
	return 0
}

# ---------------------------------------------------------------- figure 2
# First SSH banner, from exec, seen from the admin workstation: oobd; the
# recipe then sshd by hand; bare sshd in a namespace prepared beforehand.
fig2() {
	local i v t b fwv=() conf=typical
	if [ "$FW_APPLIED" = 1 ]; then
		typical_conf "$R/typical-fw.conf" "$SSHD" "$R/fw.typical" "$R/fw6.typical"
		conf=typical-fw
		fwv=("FW4=$R/fw.typical" "FW6=$R/fw6.typical")
	fi
	for i in $(seq "$REPS"); do
		for v in oobd recipe bare; do
			progress "figure 2: first banner ($v), run $i/$REPS"
			reset_world
			[ "$v" = bare ] && { recipe >/dev/null || bail "figure 2: the recipe failed"; }
			rm -f "$R/ready" "$R/banner" "$R/t0"
			"$BT" banner -n /run/netns/admin -a "$OOB4" -r "$R/ready" -w 15000 > "$R/banner" &
			local probe=$!
			wait_until 5 test -e "$R/ready" || bail "figure 2: the probe did not start"
			case $v in
			oobd) oobd_start "$R/$conf.conf" ;;
			recipe) env "${fwv[@]}" "${RECIPE_ENV[@]}" SSHD_CONFIG="$T/sshd_config" \
				"$BT" spawn -t "$R/t0" -- /bin/bash "$BENCH_DIR/recipe.sh" >/dev/null 2>>"$T/sshd.log" ;;
			bare) bare_sshd ;;
			esac
			wait "$probe" || bail "figure 2 ($v): no banner"
			wait_until 5 test -s "$R/t0"
			t=$(t0)
			b=$(cat "$R/banner")
			rec "f2_$v" $(( b - t ))
			if [ "$v" = oobd ]; then
				since "routes in namespace" "$t"; rec f2_oobd_configured "$SINCE"
				since "sshd started" "$t"; rec f2_oobd_spawned "$SINCE"
				rec f2_oobd_sshd $(( b - t - SINCE ))
			fi
		done
		# The sshd config checks oobd may run before it starts sshd, alone.
		t=$("$BT" time -- "$SSHD" -t -f "$T/sshd_config") || bail "sshd -t failed"
		rec f2_sshd_t "$t"
		t=$("$BT" time -- "$SSHD" -T -f "$T/sshd_config") || bail "sshd -T failed"
		rec f2_sshd_T "$t"
	done
	return 0
}

# ---------------------------------------------------------------- figure 3
# Recovery: SIGKILL the listening sshd, time to the next banner. The first
# death restarts at once; later ones back off, so every run uses a fresh
# oobd (adopting the namespace, as after an upgrade).
fig3() {
	local i pid out el k
	reset_world
	for i in $(seq "$REPS"); do
		progress "figure 3: recovery, run $i/$REPS"
		oobd_start "$R/typical.conf"
		wait_banner || bail "figure 3: oobd's sshd never answered"
		wait_until 5 test -s /run/oobd/sshd.pid || bail "figure 3: no sshd pid file"
		rec f5_rss "$(rss_kib "$OPID")"
		pid=$(cat /run/oobd/sshd.pid)
		out=$("$BT" banner -n /run/netns/admin -a "$OOB4" -w 10000 -k "$pid") || bail "figure 3: no banner after the kill"
		el=${out% *}
		k=$(( ${out#* } ))
		rec f3_oobd "$el"
		wait_until 5 has_lines "sshd started" 2
		since_after "killed by signal" "$k"; rec f3_oobd_noticed "$SINCE"
		since_after "sshd started" "$k"; rec f3_oobd_spawned "$SINCE"
		oobd_stop
		rm -f /run/oobd/sshd.pid
	done
	return 0
}

# ---------------------------------------------------------------- figure 4
# NIC return: the NIC is deleted, then re-created and plugged into the main
# namespace (moved there from a staging namespace, where its admin end was
# set up beforehand), and the admin workstation connects to the oob
# addresses. oobd reacts to the link event; the baseline is the recipe's
# NIC part started right at the same moment (a hook with zero latency).
nic_cycle() { # nic_cycle ITER: delete the NIC in oob, recreate it in stage
	"$IP" -n oob link del oob0 || bail "figure 4: no oob0 to delete"
	new_nic stage
}
fig4() {
	local i out c0 c1 v4 v6 t mv
	reset_world
	oobd_start "$R/typical.conf"
	wait_banner || bail "figure 4: oobd's sshd never answered"
	for i in $(seq "$REPS"); do
		progress "figure 4: NIC return (oobd), run $i/$REPS"
		nic_cycle
		wait_until 10 has_lines "not present; waiting" "$i" || bail "figure 4: oobd did not notice the NIC leave"
		sleep 0.2
		c0=$(ctxt "$OPID"); sleep 0.5; c1=$(ctxt "$OPID")
		rec f4_absent_wakeups $(( c1 - c0 ))
		out=$("$BT" nic-return -s /run/netns/stage -c /run/netns/admin -i "$NIC" -4 "$OOB4" -6 "$OOB6" -w 10000) ||
			bail "figure 4: the NIC did not come back"
		read -r v4 v6 t mv <<< "$out"
		rec f4_plug "$mv"
		rec f4_oobd_v4 "$v4"
		rec f4_oobd_v6 "$v6"
		wait_until 5 has_lines "routes in namespace" $(( i + 1 ))
		since_after "moved $NIC" "$t"; rec f4_oobd_moved "$SINCE"
		since_after "routes in namespace" "$t"; rec f4_oobd_configured "$SINCE"
	done
	check_typical "figure 4 (oobd)"
	oobd_stop
	# Baseline: the same, with a bare sshd listening and the recipe as hook.
	bare_sshd
	wait_banner || bail "figure 4: bare sshd never answered"
	local hook
	hook="exec env ${RECIPE_ENV[*]@Q} /bin/bash ${BENCH_DIR@Q}/recipe.sh nic >/dev/null"
	for i in $(seq "$REPS"); do
		progress "figure 4: NIC return (recipe), run $i/$REPS"
		nic_cycle
		settle
		out=$("$BT" nic-return -s /run/netns/stage -c /run/netns/admin -i "$NIC" -4 "$OOB4" -6 "$OOB6" -w 10000 \
			-x "$hook") || bail "figure 4: the NIC did not come back (recipe)"
		read -r v4 v6 t mv <<< "$out"
		rec f4_plug "$mv"
		rec f4_recipe_v4 "$v4"
		rec f4_recipe_v6 "$v6"
	done
	check_typical "figure 4 (recipe)"
	sshd_stop
	return 0
}

# ---------------------------------------------------------------- figure 5
# Footprint: RSS after start (sampled in figure 3, and here), and wake-ups
# (context switches) over an idle window, beside an sshd listener and a
# sleep(1) process for scale.
fig5() {
	local spid sl a b c d e f
	progress "figure 5: footprint, ${IDLE} s idle window"
	reset_world
	oobd_start "$R/typical.conf"
	wait_banner || bail "figure 5: oobd's sshd never answered"
	# Idle means nothing left to happen: duplicate address detection over
	# (its end is an address event oobd hears), the probe's session gone.
	wait_until 10 dad_done || bail "figure 5: addresses still tentative"
	sleep 1
	spid=$(cat /run/oobd/sshd.pid)
	sleep 3600 &
	sl=$!
	sleep 0.2
	rec f5_rss "$(rss_kib "$OPID")"
	rec f5_rss_sshd "$(rss_kib "$spid")"
	rec f5_rss_sleep "$(rss_kib "$sl")"
	rec f5_uss "$(uss_kib "$OPID")"
	rec f5_uss_sleep "$(uss_kib "$sl")"
	rec f5_pss "$(pss_kib "$OPID")"
	rec f5_pss_sleep "$(pss_kib "$sl")"
	# Where the pages are, for docs/performance.md's breakdown.
	cat "/proc/$OPID/smaps" > "$R/f5_oobd.smaps"
	cat "/proc/$sl/smaps" > "$R/f5_sleep.smaps"
	a=$(ctxt "$OPID"); c=$(ctxt "$spid"); e=$(ctxt "$sl")
	sleep "$IDLE"
	b=$(ctxt "$OPID"); d=$(ctxt "$spid"); f=$(ctxt "$sl")
	rec f5_wake_oobd $(( b - a ))
	rec f5_wake_sshd $(( d - c ))
	rec f5_wake_sleep $(( f - e ))
	echo "$IDLE" > "$R/idle_seconds"
	kill "$sl"; wait "$sl" 2>/dev/null
	oobd_stop
	return 0
}

# ---------------------------------------------------------------- figure 6
# Scale. Apply: from a namespace that holds the bare NIC, oobd's exec to its
# first "sshd -t" (see figure 1), against one "ip -n oob -batch" doing the same
# addresses, link up and routes. Reload: SIGHUP with one route added, to
# oobd's "reload done" line, against "ip -batch" re-applying the config
# (replace, the way a script that does not diff applies a change).
scale_files() { # scale_files NAME N_ADDRS N_ROUTES
	local n=$1
	gen_addrs "$2" > "$R/$n.addrs"
	gen_routes 0 "$3" > "$R/$n.routes"
	gen_routes "$3" 1 > "$R/$n.extra"
	local conf
	# Z: where a running oobd starts from when it is given A (one address,
	# the gateway); A: the config measured; B: A and one more route.
	for v in Z A B; do
		{
			echo "[namespace]"; echo "name = oob"
			echo "[interface]"; echo "match = mac:$NIC_MAC"; echo "rename = oob0"
			if [ $v = Z ]; then
				head -n 1 "$R/$n.addrs" | sed 's/^/address = /'
			else
				sed 's/^/address = /' "$R/$n.addrs"
			fi
			echo "gateway = $ADM4"
			[ $v != Z ] && sed 's/^/route = /' "$R/$n.routes"
			[ $v = B ] && sed 's/^/route = /' "$R/$n.extra"
			echo "[sshd]"; echo "exec = $MARK"; echo "config = $T/sshd_config"
		} > "$R/$n.$v.conf"
	done
	{
		sed 's/^/addr add /; s/$/ dev oob0/' "$R/$n.addrs"
		echo "link set oob0 up"
		echo "route add default via $ADM4 dev oob0 proto 176"
		sed 's/^/route add /; s/$/ dev oob0 proto 176/' "$R/$n.routes"
	} > "$R/$n.A.ip"
	{
		sed 's/^/addr replace /; s/$/ dev oob0/' "$R/$n.addrs"
		echo "link set oob0 up"
		echo "route replace default via $ADM4 dev oob0 proto 176"
		cat "$R/$n.routes" "$R/$n.extra" | sed 's/^/route replace /; s/$/ dev oob0 proto 176/'
	} > "$R/$n.B.ip"
	"$OOBD" -t -c "$R/$n.A.conf" >/dev/null || bail "$R/$n.A.conf is not valid"
}
check_scale() { # check_scale WHAT N_ADDRS N_ROUTES
	local a r
	a=$("$IP" -n oob -4 -o addr show dev oob0 | wc -l)
	r=$("$IP" -n oob route show proto 176 | wc -l)
	[ "$a" = "$2" ] && [ "$r" = $(( $3 + 1 )) ] || bail "$1: $a addresses and $r routes, expected $2 and $(( $3 + 1 ))"
}
scale_run() { # scale_run NAME N_ADDRS N_ROUTES
	local n=$1 i t
	scale_files "$@"
	for i in $(seq "$REPS"); do
		progress "figure 6: $2 address(es) + $3 routes, run $i/$REPS"
		# The config alone: read, parse, validate (oobd -t). Its "sshd -t"
		# is stubbed out (/bin/true through the wrapper): it costs the same
		# whatever the routes, and would only add its noise.
		t=$(BENCH_SSHD=/bin/true "$BT" time -- "$OOBD" -t -c "$R/$n.A.conf") || bail "figure 6: oobd -t failed"
		rec "f6_${n}_parse" "$t"
		# Apply: a running oobd (started with Z) is given A, SIGHUP to
		# "reload done": reading and checking the config, the firewall
		# update, the addresses and routes; what "ip -batch" does (and a
		# bit more). The host starts as for ip -batch: the bare NIC.
		prepared_ns
		cp "$R/$n.Z.conf" "$R/$n.conf"
		oobd_start "$R/$n.conf"
		oobd_started || bail "figure 6: oobd never turned to sshd"
		oobd_idle
		check_scale "figure 6 (oobd start with Z)" 1 0
		cp "$R/$n.A.conf" "$R/$n.conf.tmp" && mv "$R/$n.conf.tmp" "$R/$n.conf"
		wait_begin "$OOBD_LOG" "reload done"
		t=$("$BT" signal "$OPID" 1)
		wait_end || bail "figure 6: no reload done"
		since "reload done" "$t"; rec "f6_${n}_apply_oobd" "$SINCE"
		check_scale "figure 6 (oobd apply)" "$2" "$3"
		oobd_stop
		# Start-up: oobd's exec with A to its first sshd daemon start (the
		# whole start-up: adoption, firewall, sysctls, addresses, routes).
		prepared_ns
		cp "$R/$n.A.conf" "$R/$n.conf"
		oobd_start "$R/$n.conf"
		oobd_started || bail "figure 6: oobd never turned to sshd"
		t=$(t0)
		rec "f6_${n}_start_oobd" $(( $(first_mark) - t ))
		# Its netlink part: the addresses (NIC found -> addresses done,
		# while the rules load) plus the routes (the last firewall line,
		# after which the link goes up -> routes done).
		since "NIC oob0" 0; local nic=$SINCE
		since "addresses on oob0" 0; local addrs=$SINCE
		since "routes in namespace" 0; local routes=$SINCE fw
		fw=$(awk -v r="$routes" '$1 <= r && index($0, "firewall IPv") { f = $1 } END { print f }' "$OOBD_LOG")
		[ -n "$fw" ] || bail "figure 6: no firewall line before the routes in oobd's log"
		rec "f6_${n}_apply_oobd_nic" $(( addrs - nic + routes - fw ))
		check_scale "figure 6 (oobd start-up)" "$2" "$3"
		rec "f6_${n}_hwm" "$(hwm_kib "$OPID")"
		oobd_idle
		cp "$R/$n.B.conf" "$R/$n.conf.tmp" && mv "$R/$n.conf.tmp" "$R/$n.conf"
		wait_begin "$OOBD_LOG" "reload done"
		t=$("$BT" signal "$OPID" 1)
		wait_end || bail "figure 6: no reload done"
		since "reload done" "$t"; rec "f6_${n}_reload_oobd" "$SINCE"
		# The reload's reconcile (addresses and routes), after its firewall
		# update: from the reload's last firewall line (or its start) to done.
		local done=$(( t + SINCE )) from
		from=$(awk -v t="$t" -v d="$done" '$1 >= t && $1 <= d && (index($0, "reloading") || index($0, "firewall IPv")) { f = $1 }
			END { print f }' "$OOBD_LOG")
		[ -n "$from" ] || bail "figure 6: no reload start in oobd's log"
		rec "f6_${n}_reload_oobd_nic" $(( done - from ))
		check_scale "figure 6 (oobd reload)" "$2" $(( $3 + 1 ))
		prepared_ns
		t=$("$BT" time -- "$IP" -n oob -batch "$R/$n.A.ip") || bail "figure 6: ip -batch failed"
		rec "f6_${n}_apply_ip" "$t"
		check_scale "figure 6 (ip apply)" "$2" "$3"
		t=$("$BT" time -- "$IP" -n oob -batch "$R/$n.B.ip") || bail "figure 6: ip -batch failed"
		rec "f6_${n}_reload_ip" "$t"
		check_scale "figure 6 (ip reload)" "$2" $(( $3 + 1 ))
	done
}
# The ruleset: oobd's [firewall] against iptables-legacy-restore, when oobd
# applies it; iptables-legacy-restore alone (for reference) until then.
fw_run() {
	local i t a b
	gen_ruleset 5000 > "$R/fw5000.A"
	# B: A with one rule changed (the last one's port).
	awk '/^-A INPUT -s 198/ { last = NR } { l[NR] = $0 } END {
		for (i = 1; i <= NR; i++) { if (i == last) sub(/--dport [0-9]+/, "--dport 1", l[i]); print l[i] } }' \
		"$R/fw5000.A" > "$R/fw5000.B"
	typical_conf "$R/fw-big.conf" "$MARK" "$R/fw5000.cur" "$R/fw6.typical"
	for i in $(seq "$REPS"); do
		progress "figure 6: 5,000-rule ruleset, run $i/$REPS"
		# iptables-legacy-restore: the 5,000 rules over the typical 4 (an
		# apply), the changed file over them (a reload); into a fresh
		# namespace, with the typical 4 alone, for what they add.
		prepared_ns
		a=$("$BT" time -n /run/netns/oob -i "$R/fw.typical" -- "$IPT_RESTORE") || bail "figure 6: iptables-legacy-restore failed"
		t=$("$BT" time -n /run/netns/oob -i "$R/fw5000.A" -- "$IPT_RESTORE") || bail "figure 6: iptables-legacy-restore failed"
		rec f6_fw_apply_ipt "$t"
		t=$("$BT" time -n /run/netns/oob -i "$R/fw5000.B" -- "$IPT_RESTORE") || bail "figure 6: iptables-legacy-restore failed"
		rec f6_fw_reload_ipt "$t"
		prepared_ns
		b=$("$BT" time -n /run/netns/oob -i "$R/fw5000.A" -- "$IPT_RESTORE") || bail "figure 6: iptables-legacy-restore failed"
		rec f6_fw_whole_ipt "$b"
		rec f6_fw_added_ipt $(( b - a ))
		[ "$FW_APPLIED" = 1 ] || continue
		# oobd, running with the typical 4 rules, given the 5,000 (SIGHUP to
		# "reload done": the commit, in-process for this file, the
		# read-back, the rest of the reload); then the changed file the
		# same way, in a second run that came up with the 5,000. What the
		# 5,000 add to a whole bring-up too (exec to the routes, paired).
		reset_world
		cp "$R/fw.typical" "$R/fw5000.cur"
		oobd_start "$R/fw-big.conf"
		oobd_started || bail "figure 6: oobd never turned to sshd"
		since "routes in namespace" "$(t0)"; a=$SINCE
		oobd_idle
		cp "$R/fw5000.A" "$R/fw5000.cur"
		wait_begin "$OOBD_LOG" "reload done"
		t=$("$BT" signal "$OPID" 1)
		wait_end || bail "figure 6: no reload done"
		since "reload done" "$t"; rec f6_fw_apply_oobd "$SINCE"
		since_after "firewall IPv4" "$t"; rec f6_fw_apply_oobd_fw "$SINCE"
		t=$(fw_rules)
		[ "$t" -ge 5000 ] || bail "figure 6: oobd loaded $t rules, not the 5,000"
		oobd_stop
		reset_world
		oobd_start "$R/fw-big.conf"
		oobd_started || bail "figure 6: oobd never turned to sshd"
		since "routes in namespace" "$(t0)"; b=$SINCE
		t=$(fw_rules)
		[ "$t" -ge 5000 ] || bail "figure 6: oobd loaded $t rules, not the 5,000"
		rec f6_fw_apply_oobd_whole $(( b - a ))
		oobd_idle
		cp "$R/fw5000.B" "$R/fw5000.cur"
		wait_begin "$OOBD_LOG" "reload done"
		t=$("$BT" signal "$OPID" 1)
		wait_end || bail "figure 6: no reload done"
		since "reload done" "$t"; rec f6_fw_reload_oobd "$SINCE"
		since_after "firewall IPv4" "$t"; rec f6_fw_reload_oobd_fw "$SINCE"
		ip netns exec oob iptables-legacy-save | grep -q -- '--dport 1 ' || bail "figure 6: the changed rule is not in place"
		oobd_stop
	done
}
fig6() {
	if want 6s; then
		scale_run scale 256 1000
		scale_run r0 1 0
		scale_run r10 1 10
		scale_run r1000 1 1000
		scale_run r10000 1 10000
	fi
	want 6f && fw_run
	return 0
}

# ---------------------------------------------------------------- run
{
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "nproc=$(nproc)"
	echo "cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "kernel=$(uname -r)"
	echo "memory_gib=$(awk '/^MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)"
	echo "openssh=$("$SSHD" -V 2>&1 | head -n1 | cut -d, -f1)"
	echo "iproute2=$("$IP" -V | sed 's/.*iproute2-\([^ ,]*\).*/\1/')"
	echo "iptables=$(iptables-legacy-restore --version 2>&1 | awk '{ print $2 }')"
	echo "oobd=$("$OOBD" --version | awk '{ print $2 }')"
	echo "commit=$(git -C "$SRC_DIR" rev-parse --short HEAD 2>/dev/null)"
	echo "dirty=$(git -C "$SRC_DIR" status --porcelain -- src Makefile 2>/dev/null | wc -l)"
	echo "reps=$REPS"
	echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} > "$R/meta"

start=$(date +%s)
# A figure that stops half-way (a failed expansion, say) must not leave a
# partial series behind as if it were a result.
for f in 1 2 3 4 5 6; do
	if want $f || { [ $f = 6 ] && { want 6s || want 6f; }; }; then
		"fig$f" || bail "figure $f did not complete"
	fi
done
reset_world
oobd_stop
echo "elapsed_s=$(( $(date +%s) - start ))" >> "$R/meta"
echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$R/meta"

mkdir -p "$(dirname "$JSON")"
python3 "$BENCH_DIR/report.py" "$R" "$JSON" | tee "${JSON%.json}.txt"
exit 0
