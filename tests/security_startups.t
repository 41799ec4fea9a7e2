# SPDX-License-Identifier: GPL-2.0-or-later
# A host on the management LAN (untrusted, docs/security.md) opens more
# unauthenticated connections than the shipped sshd config's MaxStartups
# and holds them, sending nothing: without a per-source limit every new
# connection is refused, the administrator's too, for as long as it goes
# on. With the shipped PerSourceMaxStartups it holds a few slots only, and
# the administrator, from another address, logs in. The same for the
# built-in fallback config, which has its own MaxStartups and grace time.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"
PY=$(command -v python3) || skip_all "needs python3"
OOBCTL=$BUILD/oobctl
FLOODER=203.0.113.66

# hold SRC DST N: N connections to sshd at DST from SRC, held open without
# a word from the client; prints how many sshd kept (sent its banner on),
# not dropped (closed, or a refusal), then waits to be killed.
cat > "$T/hold.py" <<'PYEOF'
import socket, sys, time
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
socks, kept = [], 0
for _ in range(n):
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(5)
    try:
        s.connect((dst, 22))
    except OSError:
        continue
    socks.append(s)
for s in socks:
    try:
        kept += s.recv(8).startswith(b"SSH-")
    except OSError:
        pass
print(kept, flush=True)
time.sleep(600)
PYEOF

make_nic
ip -n admin addr add "$FLOODER/24" dev adm0
make_keys
write_sshd_config
write_nic_config "$T/oobd.conf"
start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "sshd answers" || bail "oobd did not come up"

# flood_and_login WHICH: 80 connections held from the flooder, more than
# MaxStartups' 60, and meanwhile a login from the admin's own address.
flood_and_login() {
	local kept
	rm -f "$T/kept"
	ip netns exec admin "$PY" "$T/hold.py" "$FLOODER" "$OOB4" 80 > "$T/kept" &
	HOLD=$!
	wait_until 20 test -s "$T/kept"
	ok $? "$1: the flooder holds its connections"
	kept=$(cat "$T/kept")
	check "$1: sshd keeps only a few of them (kept $kept)" -- test "$kept" -le 3
	is "$(oob_ssh "$OOB4" echo in 2>&1)" in "$1: the administrator logs in from another address meanwhile"
	kill "$HOLD"; wait "$HOLD" 2>/dev/null
}
flood_and_login "shipped config"

# The built-in fallback: the configured config broken, no last-good copy.
echo "Bogus yes" >> "$T/sshd_config"
rm -f /run/oobd/sshd_config.last-good
"$OOBCTL" restart sshd >/dev/null
wait_until 15 eval '[ "$("$OOBCTL" status --json | jq -r ".services[0].config")" = built-in ] && ssh_banner "$OOB4"'
ok $? "the built-in config runs"
grep -qx 'PerSourceMaxStartups 3' /run/oobd/sshd_config.builtin
ok $? "it has the per-source limit, which this sshd takes"
flood_and_login "built-in config"
stop_oobd
done_testing
