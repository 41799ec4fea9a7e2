#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# oobd, shown doing its job: "make demo" runs this as root.
#
#   tests/demo.sh [BUILD_DIR]
#
# Everything happens in a throw-away sandbox (its own network, mount and PID
# namespaces; /run and /etc/netns are private tmpfs), exactly as the
# integration tests do: a veth end plays the dedicated NIC, a second namespace
# plays the admin workstation, and the real ssh client logs in to the real
# sshd that oobd supervises. The machine's own network is never touched, and
# when the demo ends the kernel tears everything down.

set -u
if [ "${OOBD_SANDBOX:-}" != 1 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "demo: needs root (namespaces, veth, sshd): run it as 'sudo make demo'" >&2
		exit 1
	fi
	for p in unshare ip ssh ssh-keygen; do
		command -v "$p" >/dev/null || { echo "demo: needs $p (run 'sudo make deps')" >&2; exit 1; }
	done
	[ -x /usr/sbin/sshd ] || { echo "demo: needs /usr/sbin/sshd (openssh-server; run 'sudo make deps')" >&2; exit 1; }
fi
if [ -n "${1:-}" ]; then
	OOBD_BUILD=$(cd "$1" && pwd) || exit 1
	export OOBD_BUILD
fi
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"

START=$(date +%s%N)
LOG_SHOWN=0

# say WHAT: what the next step does (after oobd's log lines of the last one).
say() { show_log; printf '\n==> %s\n' "$*"; }
die() {
	printf '\n*** demo failed: %s\n' "$*" >&2
	show_log
	exit 1
}
# run CMD...: show the command, run it, indent its output; a failure ends the demo.
run() {
	printf '    $ %s\n' "$*"
	local out st
	out=$("$@" 2>&1)
	st=$?
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/      /'
	[ "$st" -eq 0 ] || die "'$*' exited with status $st"
}
# show_log: oobd's log lines that were not shown yet.
# session ADDR CMD...: log in from the admin workstation and run each CMD
# (a simple command line, no quoting) in one ssh session, showing it first.
session() {
	local addr=$1 script='' c
	shift
	for c in "$@"; do
		script+="echo 'root@oob# $c'; $c || exit; "
	done
	printf '    $ ssh root@%s\n' "$addr"
	local out st
	out=$(oob_ssh "$addr" "$script" 2>&1)
	st=$?
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/      /'
	[ "$st" -eq 0 ] || die "the ssh session to $addr failed (status $st)"
}

# oobd's own lines carry a "<N>" level prefix; sshd's (it runs with -e, so
# they go to oobd's stderr too) do not. Its per-connection chatter, much of
# it from the demo's own port probes, is left out here.
show_log() {
	[ -f "$T/oobd.log" ] || return 0
	local total
	total=$(wc -l < "$T/oobd.log")
	[ "$total" -gt "$LOG_SHOWN" ] || return 0
	tail -n +"$((LOG_SHOWN + 1))" "$T/oobd.log" | head -n "$((total - LOG_SHOWN))" |
		grep -Ev 'kex_exchange_identification|Connection (from|reset by|closed by)|Postponed publickey|Accepted key|Received disconnect|Disconnected from|(Starting|Close) session' |
		sed 's/^/    oobd| /'
	if [ "$LOG_SHOWN" -eq 0 ] && grep -q 'oom_score_adj.*Permission denied' "$T/oobd.log"; then
		echo "    (this machine withholds CAP_SYS_RESOURCE, so oobd cannot exempt itself from the OOM killer here; it carries on)"
	fi
	LOG_SHOWN=$total
}

cat <<EOF
oobd demo: an out-of-band ssh path in its own network namespace.
This runs in a sandbox; the machine's own network is not touched.
Binaries: $BUILD
EOF

# "ip route" names protocol 176 "oobd" with the shipped rt_protos.d entry;
# install it in the sandbox's private view of /etc/iproute2 only.
if [ -d /etc/iproute2/rt_protos.d ]; then
	mount -t tmpfs -o mode=0755 tmpfs /etc/iproute2/rt_protos.d &&
		cp "$SRC_DIR/conf/rt_protos.oobd.conf" /etc/iproute2/rt_protos.d/oobd.conf
fi

say "The sandbox's main network: an uplink (uplink0, 2001:db8:1::10) standing in for the server's production NIC"
ip link add uplink0 type veth peer name uplink0p &&
	ip addr add 2001:db8:1::10/64 dev uplink0 nodad && ip link set uplink0 up && ip link set uplink0p up ||
	die "could not create the uplink"
run ip -br addr

say "Making a dedicated NIC ($NIC, MAC $NIC_MAC) and, at its other end, an admin workstation (namespace \"admin\", $ADM4 and $ADM6)"
make_nic || die "could not create the veth pair"
run ip -br link show "$NIC"
run ip -n admin -br addr show adm0

say "Making throw-away ssh keys and the oob sshd's config (the shipped conf/sshd_config, pointed at $T)"
make_keys || die "ssh-keygen failed"
write_sshd_config

say "Writing the oobd config: match the NIC by MAC, rename it oob0, IPv4 and IPv6 with gateways, a DNS server, a sysctl"
write_config "$T/oobd.conf" <<EOF
[interface]
match = mac:$NIC_MAC
rename = oob0
address = $OOB4/24
address = $OOB6/64
gateway = $ADM4
gateway = $ADM6
[dns]
nameserver = 203.0.113.53
search = oob.example
[sysctl]
net.ipv4.icmp_echo_ignore_broadcasts = 1
EOF
sed 's/^/      /' "$T/oobd.conf"
run "$OOBD" -t -c "$T/oobd.conf"

say "Starting oobd (its log goes to stderr with <N> syslog level prefixes)"
start_oobd "$T/oobd.conf"
wait_until 10 ssh_banner "$OOB4" || die "sshd did not answer on $OOB4:22 within 10 s"
show_log

say "The NIC left the main namespace; it is oob0 in namespace \"oob\" now"
wait_until 5 bash -c 'ip -n oob -br link show oob0 | grep -qw UP'
run ip netns list
run ip -br link
run ip -n oob -br link
run ip -n oob addr show dev oob0
run ip -n oob route
run ip -n oob -6 route show default

say "Logging in over IPv4 from the admin workstation (ssh root@$OOB4) and looking around; nsenter-main shows the main namespace (PID 1's) from inside the session"
session "$OOB4" "ip -br addr" "cat /etc/resolv.conf" \
	"sysctl net.ipv4.icmp_echo_ignore_broadcasts net.ipv6.conf.oob0.accept_ra" \
	"$NSENTER_MAIN ip -br addr"
echo "    (the first sysctl is the config's; accept_ra = 0 is oobd's own hardening)"

say "Logging in over IPv6 (ssh root@$OOB6); IPv6 duplicate address detection may take a second"
wait_until 10 ssh_banner "$OOB6" || die "sshd did not answer on [$OOB6]:22 within 10 s"
session "$OOB6" 'echo $SSH_CONNECTION'

say "oobctl status: the whole path at a glance (exit status 0: everything as configured)"
run "$BUILD/oobctl" status

say "Someone deletes oobd's address by hand (the kernel drops the default route with it): oobd puts both back at once"
run ip -n oob addr del "$OOB4/24" dev oob0
wait_until 10 bash -c "ip -n oob -br addr show oob0 | grep -q '$OOB4/24' && ip -n oob route show default | grep -q oobd" ||
	die "the address was not put back"
show_log
run ip -n oob -br addr show oob0
run ip -n oob route show default

say "Both sides: the main namespace no longer has the NIC; the oob namespace has lo and oob0 only"
printf '    main namespace:\n'
run ip -br addr
printf '    oob namespace:\n'
run ip -n oob -br addr
say "nsenter-oob gives a command the same view the oob sshd has (ip netns exec semantics)"
run "$NSENTER_OOB" cat /etc/resolv.conf

say "An ssh session is open while the sshd listener is killed; oobd restarts the listener and the session lives on"
oob_ssh "$OOB4" 'echo session started; sleep 3; echo session still alive' > "$T/session.out" 2>&1 &
SESSION=$!
wait_until 10 grep -q started "$T/session.out" || die "the ssh session did not start"
OLD=$(sshd_pid)
[ -n "$OLD" ] || die "no /run/oobd/sshd.pid"
run kill -KILL "$OLD"
wait_until 10 bash -c "p=\$(cat /run/oobd/sshd.pid 2>/dev/null) && [ -n \"\$p\" ] && [ \"\$p\" != $OLD ]" ||
	die "sshd was not restarted within 10 s"
wait_until 10 ssh_banner "$OOB4" || die "the restarted sshd does not answer"
show_log
printf '    sshd pid %s was killed; the new listener is pid %s\n' "$OLD" "$(sshd_pid)"
wait "$SESSION" || die "the ssh session did not survive the listener's restart"
sed 's/^/      session| /' "$T/session.out"

say "The NIC vanishes (hot-unplug, driver reload) and comes back: oobd claims and configures it again"
run ip -n oob link del oob0
wait_until 10 grep -Eq 'left namespace|not present' "$T/oobd.log" || die "oobd did not notice the NIC leaving"
show_log
make_nic || die "could not re-create the veth pair"
printf '    (%s is back in the main namespace, MAC %s)\n' "$NIC" "$NIC_MAC"
wait_until 10 ssh_banner "$OOB4" || die "the NIC was not claimed again within 10 s"
show_log
session "$OOB4" "ip -br addr show oob0"

say "A typo in the sshd config, then oobctl reload: sshd -t rejects it, the reload is refused, the running sshd stays"
cp "$T/sshd_config" "$T/sshd_config.good"
echo "PermitRootLogin sometimes" >> "$T/sshd_config"
OLD=$(sshd_pid)
printf '    $ oobctl reload\n'
out=$("$BUILD/oobctl" reload 2>&1)
st=$?
printf '%s\n(exit status %s)\n' "$out" "$st" | sed 's/^/      /'
[ "$st" = 1 ] || die "oobctl reload of a broken sshd config did not exit 1"
[ "$(sshd_pid)" = "$OLD" ] || die "the sshd listener was restarted by a refused reload"
session "$OOB4" "echo logged in, the listener that was running still serves"
say "The listener dies while the file is still broken: oobd starts sshd with the last config that worked"
run kill -KILL "$OLD"
wait_until 10 grep -q 'starting sshd with the last-good' "$T/oobd.log" || die "oobd did not fall back to the last-good sshd config"
wait_until 10 ssh_banner "$OOB4" || die "sshd does not answer with the last-good config"
session "$OOB4" "echo logged in, sshd running with the last-good config"
say "The typo fixed, another reload: back to the configured file"
cp "$T/sshd_config.good" "$T/sshd_config"
run "$BUILD/oobctl" reload
wait_until 10 grep -q 'starting sshd with the configured' "$T/oobd.log" || die "oobd did not go back to the configured sshd config"
wait_until 10 ssh_banner "$OOB4" || die "sshd does not answer after the fix"

say "Stopping oobd (SIGTERM): sshd stops, the namespace and the NIC stay for the next oobd to adopt"
stop_oobd
show_log
run ip netns list
run ip -n oob -br addr show oob0
if ssh_banner "$OOB4"; then die "sshd still answers after oobd stopped"; fi
echo "    nothing listens on $OOB4:22 any more"

say "Starting oobd again: it adopts the namespace, finds everything in place, changes nothing"
start_oobd "$T/oobd.conf"
wait_until 10 ssh_banner "$OOB4" || die "sshd did not come back after the restart of oobd"
show_log
stop_oobd
show_log

say "Tearing the path down (oobd --down, with oobd stopped): the NIC goes back to the main namespace under its old name"
run "$OOBD" --down -c "$T/oobd.conf"
run ip netns list
run ip -br link show "$NIC"

END=$(date +%s%N)
say "Done in $(( (END - START) / 1000000000 )) s. Leaving the sandbox: the kernel removes every namespace, link and process it made."
exit 0
