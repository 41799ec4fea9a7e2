# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for oobd's integration tests: TAP output, the sandbox, a veth
# "dedicated NIC" with an "admin workstation" namespace at its other end, and
# real ssh keys and configs. Source it first thing in a test:
#
#   . "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
#
# Every test runs in its own "unshare --net --mount --pid" sandbox: PID 1 is
# the test itself, /run and /etc/netns are private tmpfs, and everything the
# test creates (namespaces, veths, processes) dies with it. The machine's own
# network is never touched. Addresses are documentation ranges only.

set -u
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_DIR=$(cd "$TESTS_DIR/.." && pwd)
BUILD=${OOBD_BUILD:-$SRC_DIR/build}
OOBD=$BUILD/oobd
NSENTER_MAIN=$BUILD/nsenter-main
NSENTER_OOB=$BUILD/nsenter-oob
# xthash 4|6 TABLE...: each table's fingerprint, as oobd takes it (tests/xthash.c).
XTHASH=$BUILD/tests/xthash
# nobind PROGRAM [ARG...]: PROGRAM with every plain bind mount refused
# (EPERM, from a seccomp filter; tests/nobind.c).
NOBIND=$BUILD/tests/nobind

_tap_n=0
_tap_failed=0

ok() { # ok COND-STATUS DESCRIPTION  (use: cmd; ok $? "desc")
	local st=$1; shift
	_tap_n=$((_tap_n + 1))
	if [ "$st" -eq 0 ]; then
		echo "ok $_tap_n - $*"
	else
		echo "not ok $_tap_n - $*"
		_tap_failed=$((_tap_failed + 1))
	fi
	return "$st"
}
pass() { ok 0 "$@"; }
fail() { ok 1 "$@"; }
check() { # check DESCRIPTION -- CMD...: ok if CMD succeeds
	local desc=$1; shift; [ "$1" = "--" ] && shift
	"$@" >/dev/null 2>&1
	ok $? "$desc"
}
is() { # is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; diag "got:  '$1'"; diag "want: '$2'"; fi
}
like() { # like TEXT REGEX DESCRIPTION: some line of TEXT matches REGEX (grep -E)
	# grep takes each line of a pattern as one more pattern: the match would
	# need only one of them.
	case $2 in *$'\n'*) bail "like: a newline in /$2/ (use matches)" ;; esac
	if printf '%s' "$1" | grep -Eq -- "$2"; then ok 0 "$3"; else ok 1 "$3"; diag "no match for /$2/ in:"; printf '%s\n' "$1" | sed 's/^/#   /'; fi
}
# matches TEXT REGEX DESCRIPTION: REGEX (bash's ERE) is found in TEXT taken
# as one string, newlines and all (anchor it to match the whole).
matches() {
	if [[ $1 =~ $2 ]]; then ok 0 "$3"; else ok 1 "$3"; diag "no match for /$2/ in:"; printf '%s\n' "$1" | sed 's/^/#   /'; fi
}
unlike() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then ok 1 "$3"; diag "unexpected /$2/ in:"; printf '%s\n' "$1" | sed 's/^/#   /'; else ok 0 "$3"; fi
}
diag() { echo "# $*"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
	exit $?
}
bail() { echo "Bail out! $*"; exit 255; }

# wait_until SECONDS CMD...: retry CMD until it succeeds or the deadline passes.
# A deadline, never a fixed sleep: machines here are shared and noisy.
wait_until() {
	local limit=$1; shift
	local end=$(( $(date +%s%N) + limit * 1000000000 ))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(date +%s%N)" -ge "$end" ] && return 1
		sleep 0.05
	done
}

sandbox_enter() {
	if [ "${OOBD_SANDBOX:-}" != 1 ]; then
		[ "$(id -u)" = 0 ] || skip_all "needs root (namespaces, veth, sshd)"
		command -v unshare >/dev/null || skip_all "needs unshare (util-linux)"
		command -v ip >/dev/null || skip_all "needs ip (iproute2)"
		[ -x "$OOBD" ] || bail "$OOBD not built (run make)"
		exec unshare --net --mount --pid --fork --mount-proc -- env OOBD_SANDBOX=1 bash "$0" "$@"
	fi
	mount --make-rprivate /
	mount -t tmpfs -o mode=0755 tmpfs /run
	mkdir -p /etc/netns && mount -t tmpfs -o mode=0755 tmpfs /etc/netns
	# A login to the oob sshd runs root's shell, which reads the host's
	# startup files (a developer's settings, a version manager that waits
	# up to a minute on a lock another login left): none of a test's
	# business. Empty ones here, in the sandbox's own mounts.
	local home f
	home=$(getent passwd root | cut -d: -f6)
	for f in .bashrc .bash_profile .bash_login .profile; do
		[ -f "${home:-/root}/$f" ] && mount --bind /dev/null "${home:-/root}/$f"
	done
	ip link set lo up
	# Files sshd's StrictModes accepts: root-owned, no world-writable parent.
	T=/run/oobd-test
	mkdir -m 0700 -p "$T"
	trap sandbox_cleanup EXIT
}

sandbox_cleanup() {
	local st=$?
	if [ "$st" -ne 0 ] || [ "$_tap_failed" -ne 0 ]; then
		for f in "$T"/*.log; do
			[ -f "$f" ] || continue
			diag "--- $f"
			sed 's/^/#   /' "$f" | tail -n 60
		done
	fi
	# The sandbox's PID namespace ends with us: every process in it dies.
	return "$st"
}

NIC=oobnic
NIC_MAC=02:00:5e:00:53:01
OOB4=203.0.113.10
OOB6=2001:db8:10::10
ADM4=203.0.113.1
ADM6=2001:db8:10::1

# make_nic [NAME [MAC]]: a veth pair, NAME in the sandbox's main namespace, its
# peer "adm0" in namespace "admin" (the admin workstation), addressed and up.
make_nic() {
	local name=${1:-$NIC} mac=${2:-$NIC_MAC}
	ip netns list | grep -qw admin || ip netns add admin
	ip link add "$name" address "$mac" type veth peer name adm0 netns admin
	ip -n admin link set lo up
	ip -n admin addr add "$ADM4/24" dev adm0
	ip -n admin addr add "$ADM6/64" dev adm0 nodad
	ip -n admin link set adm0 up
}

# make_trunk [NS]: a shared NIC "trunk0" in the main namespace, up as the
# main system would have it (the parent of a vlan/macvlan child); its peer
# adm0 in namespace NS ("admin" by default: the admin workstation; another
# one beside make_nic's), addressed and up.
make_trunk() {
	local ns=${1:-admin}
	ip netns list | grep -qw "$ns" || ip netns add "$ns"
	ip link add trunk0 type veth peer name adm0 netns "$ns"
	ip link set trunk0 up
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$ADM4/24" dev adm0
	ip -n "$ns" addr add "$ADM6/64" dev adm0 nodad
	ip -n "$ns" link set adm0 up
}

# make_keys: a client key pair and the oob sshd's host key dir, in $T.
make_keys() {
	ssh-keygen -q -t ed25519 -N '' -C oob-test -f "$T/id_client"
	cp "$T/id_client.pub" "$T/authorized_keys"
	chmod 600 "$T/authorized_keys"
}

# write_sshd_config [EXTRA...]: the shipped hardened config, pointed at $T.
write_sshd_config() {
	sed -e "s|^HostKey .*|HostKey $T/ssh_host_ed25519_key|" \
	    -e "s|^AuthorizedKeysFile .*|AuthorizedKeysFile $T/authorized_keys|" \
	    "$SRC_DIR/conf/sshd_config" > "$T/sshd_config"
	for l in "$@"; do echo "$l" >> "$T/sshd_config"; done
	chmod 600 "$T/sshd_config"
}

# write_config FILE: an oobd config; the [interface] body comes from stdin.
write_config() {
	local f=$1
	{
		echo "[namespace]"
		echo "name = oob"
		cat
		echo "[sshd]"
		echo "config = $T/sshd_config"
	} > "$f"
}

# write_nic_config FILE [LINE...]: write_config with the usual [interface]:
# the test NIC matched by MAC, renamed oob0, $OOB4/24; then the LINEs.
write_nic_config() {
	local f=$1; shift
	printf '%s\n' '[interface]' "match = mac:$NIC_MAC" 'rename = oob0' "address = $OOB4/24" "$@" | write_config "$f"
}

# start_oobd CONFIG [ARGS...]: oobd in the background, log in $T/oobd.log.
start_oobd() {
	local conf=$1; shift
	"$OOBD" -c "$conf" "$@" >>"$T/oobd.log" 2>&1 &
	OOBD_PID=$!
}

# path_up [LINE...]: the usual path, up: the test NIC, keys, the shipped
# sshd config, write_nic_config with the LINEs, oobd started and its sshd
# answering over IPv4 (one check; the test bails out otherwise).
path_up() {
	make_nic
	make_keys
	write_sshd_config
	write_nic_config "$T/oobd.conf" "$@"
	start_oobd "$T/oobd.conf"
	wait_until 15 ssh_banner "$OOB4"
	ok $? "sshd answers" || bail "oobd did not come up"
	wait_until 10 sshd_ready
}

# sshd_ready: oobd's own probe found sshd answering, and oobd is done with
# what it does then (the program's copy, the last-good config): status and
# metrics say "up" from then on. A banner at the admin's end can come first.
sshd_ready() { "$BUILD/oobctl" status 2>/dev/null | grep -Eq '^  sshd +up '; }

stop_oobd() {
	[ -n "${OOBD_PID:-}" ] || return 0
	kill -TERM "$OOBD_PID" 2>/dev/null
	wait "$OOBD_PID" 2>/dev/null
	OOBD_PID=
}

# oob_ssh ADDR CMD...: the real ssh client from the admin namespace, key only.
oob_ssh() {
	local addr=$1; shift
	ip netns exec admin ssh -F /dev/null -i "$T/id_client" \
		-o UserKnownHostsFile="$T/known_hosts" -o StrictHostKeyChecking=accept-new \
		-o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=ERROR \
		-o PasswordAuthentication=no -o KbdInteractiveAuthentication=no \
		"root@$addr" "$@"
}

# Is sshd answering with its banner at ADDR:22, from the admin workstation?
# banner_from NS ADDR [PORT]: sshd's banner read over TCP at ADDR:PORT
# (22 by default) from namespace NS.
banner_from() {
	ip netns exec "$1" timeout 3 bash -c "exec 3<>/dev/tcp/$2/${3:-22} && head -c 8 <&3" 2>/dev/null |
		grep -q '^SSH-2.0'
}
# ssh_banner ADDR [PORT]: the same from the admin workstation.
ssh_banner() { banner_from admin "$@"; }

sshd_pid() { cat /run/oobd/sshd.pid 2>/dev/null; }

# --- supervision helpers ---

# skip DESCRIPTION: a TAP test that could not run here, with the reason.
skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n # skip $*"
}

# log_mark: the current length of $T/oobd.log; log_after MARK REGEX: REGEX
# matches a line logged after MARK.
log_mark() { { wc -l < "$T/oobd.log"; } 2>/dev/null || echo 0; }
log_after() { tail -n +"$(($1 + 1))" "$T/oobd.log" 2>/dev/null | grep -Eq -- "$2"; }
log_has() { grep -Eq -- "$1" "$T/oobd.log" 2>/dev/null; }

# sshd_listeners: "PID PPID" of every sshd listener (OpenSSH titles it
# "sshd: ... [listener] N of A-B startups").
sshd_listeners() {
	ps -e -o pid=,ppid=,args= | awk '/\[listener\]/ && !/awk/ { print $1, $2 }'
}

# cpu_ticks PID: user + system CPU time of PID, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# has_cap BIT: the test's effective capabilities include BIT.
has_cap() {
	local eff
	eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
	(( (16#$eff >> $1) & 1 ))
}

# notify_listen SOCKET OUT: a service manager's notification socket (an
# AF_UNIX datagram socket); every datagram received is appended to OUT,
# one line per KEY=VALUE. Sets NOTIFY_LISTENER_PID.
notify_listen() {
	local sock=$1 out=$2
	rm -f "$sock"
	: > "$out"
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as f:
    while True:
        msg = s.recv(4096).decode("utf-8", "replace")
        f.write(msg.rstrip("\n") + "\n")
        f.flush()
' "$sock" "$out" &
	NOTIFY_LISTENER_PID=$!
	wait_until 10 test -S "$sock"
}

# ---- firewall helpers ----

# listen_in NS PORT: a TCP listener in namespace NS ("oob" through
# nsenter-oob, anything else through ip netns exec), both families, that
# greets every connection with "oob-PORT".
listen_in() {
	local ns=$1 port=$2 run
	if [ "$ns" = oob ]; then run=("$NSENTER_OOB"); else run=(ip netns exec "$ns"); fi
	"${run[@]}" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
s.listen(16)
while True:
    c, _ = s.accept()
    c.sendall(b"oob-" + sys.argv[1].encode() + b"\n")
    c.close()
' "$port" >>"$T/listener.log" 2>&1 &
}

# fallback_expected 4|6 PORT...: the built-in ruleset as oob_ruleset shows it.
fallback_expected() {
	local fam=$1 p t; shift
	printf '%s\n' '*filter' ':INPUT DROP' ':FORWARD DROP' ':OUTPUT ACCEPT' \
		'-A INPUT -i lo -j ACCEPT' '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'
	if [ "$fam" = 4 ]; then
		echo '-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT'
	else
		for t in 128 133 134 135 136 137; do
			echo "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type $t -j ACCEPT"
		done
	fi
	for p in "$@"; do echo "-A INPUT -p tcp -m tcp --dport $p -j ACCEPT"; done
	echo COMMIT
}

# tcp_greets NS ADDR PORT: a TCP connection from namespace NS ("oob" through
# nsenter-oob, anything else through ip netns exec) gets the listener's
# greeting within 3 s. A dropped SYN shows as the timeout.
tcp_greets() {
	local ns=$1 addr=$2 port=$3 run
	if [ "$ns" = oob ]; then run=("$NSENTER_OOB"); else run=(ip netns exec "$ns"); fi
	"${run[@]}" timeout 3 bash -c "exec 3<>/dev/tcp/$addr/$port && head -n 1 <&3" 2>/dev/null | grep -q "^oob-$port"
}

# main_ruleset: every firewall ruleset of the sandbox's main namespace,
# legacy and nft, both families, without the timestamp comments.
main_ruleset() {
	local t
	for t in iptables-legacy-save ip6tables-legacy-save iptables-nft-save ip6tables-nft-save; do
		echo "== $t"
		"$t" 2>&1 | grep -v '^#'
	done
}

# main_ruleset_seed: give the main namespace rules of its own (legacy and
# nft), so that any change to them shows.
main_ruleset_seed() {
	[ "${OOBD_SANDBOX:-}" = 1 ] || bail "main_ruleset_seed outside the sandbox"
	iptables-legacy -A INPUT -s 198.51.100.7 -j DROP &&
	ip6tables-legacy -A INPUT -s 2001:db8:99::7 -j DROP &&
	iptables-nft -A OUTPUT -d 198.51.100.8 -j DROP &&
	ip6tables-nft -A OUTPUT -d 2001:db8:99::8 -j DROP
}

# oob_ruleset 4|6 [TABLE]: what iptables-legacy-save or ip6tables-legacy-save
# shows inside the oob namespace (all tables, or TABLE): the tables, chains,
# policies and rules, without counters.
oob_ruleset() {
	local save=iptables-legacy-save
	[ "$1" = 6 ] && save=ip6tables-legacy-save
	ip netns exec oob "$save" ${2:+-t "$2"} | ruleset_strip
}

# ruleset_strip: iptables-save output without comments and counters.
ruleset_strip() {
	grep -E '^(\*|:|-A|COMMIT)' | sed 's/ \[[0-9]*:[0-9]*\]$//'
}

# check_main_ruleset_unchanged: the sandbox's main-namespace rulesets are
# byte for byte what main_ruleset saved in $T/main.before.
check_main_ruleset_unchanged() {
	main_ruleset > "$T/main.after"
	diff -u "$T/main.before" "$T/main.after" > "$T/main.diff"
	ok $? "the main namespace's rulesets (legacy and nft, both families) are unchanged"
	[ -s "$T/main.diff" ] && sed 's/^/#   /' "$T/main.diff"
	return 0
}

# check_unreachable PORT [LABEL]: PORT on the oob addresses does not answer
# the admin namespace over either family.
check_unreachable() {
	local port=$1 label=${2:+$2: }
	! tcp_greets admin "$OOB4" "$port"
	ok $? "${label}port $port is not reachable from the admin namespace over IPv4"
	! tcp_greets admin "$OOB6" "$port"
	ok $? "${label}port $port is not reachable from the admin namespace over IPv6"
}
