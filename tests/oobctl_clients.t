# SPDX-License-Identifier: GPL-2.0-or-later
# The control socket under misbehaving clients, and the requests that change
# things: clients that connect and send nothing (one, then a flood of 20 at
# once, each replaced as soon as oobd drops it) do not keep oobd from
# restarting a killed sshd nor oobctl from being served; malformed requests
# get a request error; "reload" reports a bad config as FILE:LINE and exits 1,
# a good one 0, and so a firewall file or sshd config that is refused; while
# down, a reload takes a new NIC identity; "restart sshd" gives a new sshd;
# an answer that cannot be written exits 1; with oobd hung and its listen
# backlog full, a client still gives up after its time limit.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
[ -x "$OOBCTL" ] || bail "$OOBCTL not built (run make)"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || skip_all "needs python3"
SOCK=/run/oobd/control

make_nic
make_keys
write_sshd_config
conf() {
	write_config "$T/oobd.conf" <<EOF
[interface]
match = mac:$NIC_MAC
rename = oob0
address = $OOB4/24
gateway = $ADM4
$(printf '%s\n' "$@")
EOF
}
conf

# holder.py SOCKET N OUT: keep N connections to SOCKET open that never send a
# byte; each one oobd closes is counted and replaced at once. OUT holds
# "open DROPS BYTES" (BYTES: anything oobd sent, which should be nothing).
# Runs until OUT.stop exists.
cat > "$T/holder.py" <<'EOF'
import os, select, socket, sys
path, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
socks, drops, nbytes = [], 0, 0
def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    socks.append(s)
def report():
    with open(out + ".tmp", "w") as f:
        f.write("open %d %d\n" % (drops, nbytes))
    os.rename(out + ".tmp", out)
for _ in range(n):
    connect()
report()
while not os.path.exists(out + ".stop"):
    r, _, _ = select.select(socks, [], [], 0.1)
    for s in r:
        data = s.recv(4096)
        if data:
            nbytes += len(data)
            continue
        socks.remove(s)
        s.close()
        drops += 1
        connect()
    if r:
        report()
EOF
# holder_start N NAME; holder_field NAME FIELD (2: drops, 3: bytes); holder_stop NAME
holder_start() { rm -f "$T/$2" "$T/$2.stop"; "$PY" "$T/holder.py" "$SOCK" "$1" "$T/$2" & HOLDER_PID=$!; }
holder_field() { awk -v f="$2" '{ print $f }' "$T/$1" 2>/dev/null; }
holder_stop() { touch "$T/$1.stop"; wait "$HOLDER_PID" 2>/dev/null; }
# Connected sockets oobd holds (its listener and each accepted client).
oobd_sockets() { find "/proc/$OOBD_PID/fd" -lname 'socket:*' 2>/dev/null | wc -l; }
sockets_are() { [ "$(oobd_sockets)" = "$1" ]; }
sshd_pid_new() { local p; p=$(sshd_pid); [ -n "$p" ] && [ "$p" != "$1" ] && kill -0 "$p" 2>/dev/null; }
drops_at_least() { [ "$(holder_field "$1" 2)" -ge "$2" ] 2>/dev/null; }

start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "oobd is up: sshd answers" || bail "oobd did not come up"
wait_until 10 "$OOBCTL" status
ok $? "status is healthy"
base=$(oobd_sockets)

# --- one silent client ---
holder_start 1 one
wait_until 10 test -s "$T/one"
ok $? "a silent client is connected"
wait_until 10 sockets_are $((base + 1))
ok $? "oobd accepted it (one more socket)"
pid1=$(sshd_pid)
kill -KILL "$pid1"
wait_until 15 sshd_pid_new "$pid1"
ok $? "sshd killed: oobd started a new one while a silent client is connected"
wait_until 15 ssh_banner "$OOB4"
ok $? "the new sshd answers with its banner, the silent client still connected"
kill -0 "$HOLDER_PID"
ok $? "the silent client is still there"
# Served: 0 (healthy) or 1 (degraded: oobd's own probe of the new sshd may
# not have had its answer yet); 2 would be no answer at all.
out=$("$OOBCTL" status 2>&1); rc=$?
[ "$rc" -le 1 ] && [ -n "$out" ]
ok $? "oobctl status is served meanwhile (exit $rc)" || diag "$out"
wait_until 20 drops_at_least one 1
ok $? "oobd drops a client that sends no request (after its request timeout)"
is "$(holder_field one 3)" 0 "without answering it"
holder_stop one

# --- 20 silent clients at once, each replaced when dropped ---
wait_until 10 sockets_are "$base"
ok $? "oobd holds no client any more"
holder_start 20 many
wait_until 10 test -s "$T/many"
ok $? "20 silent clients are connected"
wait_until 10 sockets_are $((base + 16))
ok $? "oobd serves 16 of them at once, the rest wait in the backlog" ||
	diag "oobd has $(oobd_sockets) sockets, $base before"
pid2=$(sshd_pid)
kill -KILL "$pid2"
wait_until 15 sshd_pid_new "$pid2"
ok $? "sshd killed: oobd started a new one under the flood of silent clients"
wait_until 15 ssh_banner "$OOB4"
ok $? "the new sshd answers with its banner"
like "$(oob_ssh "$OOB4" echo through 2>&1)" "^through$" "ssh works"
out=$("$OOBCTL" status --json 2>&1); rc=$?
[ "$rc" -le 1 ]
ok $? "oobctl status waits its turn in the backlog and is served (exit $rc)" || diag "$out"
like "$out" "\"restarts\":2" "and shows the two restarts of sshd"
wait_until 30 drops_at_least many 20
ok $? "oobd keeps dropping the silent clients (20 and more so far)"
is "$(holder_field many 3)" 0 "none of them got an answer"
holder_stop many
wait_until 10 sockets_are "$base"
ok $? "all client sockets are closed once the flood stops"

# --- the request line: framing and errors (raw connections as root) ---
cat > "$T/raw.py" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(20)
s.connect(sys.argv[1])
for part in sys.argv[2:]:
    if part == "<EOF>":   # the client's end of the connection
        s.shutdown(socket.SHUT_WR)
        continue
    s.sendall(part.encode().decode("unicode_escape").encode("latin-1"))
    time.sleep(0.2)   # separate writes: the server must assemble the line
data = b""
while True:
    try:
        b = s.recv(65536)
    except ConnectionResetError:
        data += b"[reset]"   # the rest of an over-long line was never read
        break
    if not b:
        break
    data += b
sys.stdout.write(data.decode())
EOF
raw() { "$PY" "$T/raw.py" "$SOCK" "$@"; }
# The answer on one line, for matching.
raw1() { raw "$@" | tr '\n' ' '; }
is "$(raw 'ping\n')" "$(printf '0 ok\npong')" "ping: 0 ok, pong"
is "$(raw 'pi' 'ng\n')" "$(printf '0 ok\npong')" "a request line sent in two parts"
is "$(raw 'ping\nstatus\n')" "$(printf '0 ok\npong')" "one request per connection: the second line is ignored"
like "$(raw1 '\n')" "^3 error" "an empty line: 3 error"
like "$(raw1 'bogus\n')" "^3 error.*unknown request \"bogus\"" "an unknown request: 3 error"
like "$(raw1 'status xml\n')" "^3 error" "status with a bad argument: 3 error"
like "$(raw1 'restart nosuch\n')" "^3 error.*no service named \"nosuch\"" "restart of an unknown service: 3 error"
like "$(raw1 "$(printf 'x%.0s' $(seq 1100))")" "^3 error.*request too long" "a line over 1024 bytes: 3 error"
like "$(raw1 'pi\x00ng\n')" "^3 error.*NUL" "a NUL byte in the line: 3 error"
like "$(raw1 'status json\n')" "^0 ok.*\"health\":\"ok\"" "status json: 0 ok and the JSON"
is "$(raw 'ping' '<EOF>')" "$(printf '0 ok\npong')" "a line the client's end ends, with no newline: answered"
# Another user (were the socket open to one) is denied whatever it sends.
chmod 0666 "$SOCK"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" - "$SOCK" "$@" < "$T/raw.py" | tr '\n' ' '; }
like "$(nobody 'ping\n')" "^4 denied" "another user: 4 denied"
like "$(nobody "$(printf 'x%.0s' $(seq 1100))")" "^4 denied" "another user, a line over 1024 bytes: 4 denied"
like "$(nobody 'ping' '<EOF>')" "^4 denied" "another user, no newline: 4 denied"
chmod 0600 "$SOCK"

# Out of file descriptors: a connection waits in the backlog, and oobd
# neither spins on it nor forgets it (served once descriptors are back).
cputicks() { awk '{ print $14 + $15 }' "/proc/$OOBD_PID/stat"; }
soft=$(prlimit --pid "$OOBD_PID" --nofile --output SOFT --noheadings | tr -d ' ')
# A limit of the lowest free descriptor leaves none; should one free up in
# between (the client then gets in and is answered), again.
for try in 1 2 3; do
	free=0
	while [ -e "/proc/$OOBD_PID/fd/$free" ]; do free=$((free + 1)); done
	prlimit --pid "$OOBD_PID" --nofile="$free:"
	"$PY" "$T/raw.py" "$SOCK" 'ping\n' > "$T/emfile.out" &
	client=$!
	wait_until 5 log_has "control socket: accepting a connection: Too many open files" && break
	wait "$client"
done
check "out of descriptors: oobd says it cannot accept" -- \
	log_has "control socket: accepting a connection: Too many open files"
t0=$(cputicks)
sleep 2
t1=$(cputicks)
ok $(( t1 - t0 > 50 )) "out of descriptors: oobd does not spin (CPU $((t1 - t0)) ticks in 2 s)"
prlimit --pid "$OOBD_PID" --nofile="$soft:"
wait "$client"
is "$(cat "$T/emfile.out")" "$(printf '0 ok\npong')" "descriptors back: the waiting client is answered"
check "... and oobd says it accepts again" -- log_has "control socket: accepting connections again"

# --- oobctl's own usage errors and its answers ---
"$OOBCTL" >/dev/null 2>&1
is "$?" 3 "oobctl without a command exits 3"
out=$("$OOBCTL" frobnicate 2>&1)
is "$?" 3 "oobctl with an unknown command exits 3"
like "$out" "^oobctl: frobnicate: unknown command" "and says the command is unknown"
out=$("$OOBCTL" status --xml 2>&1)
is "$?" 3 "oobctl status --xml exits 3"
like "$out" "^oobctl: status: takes no argument but --json" "and says what status takes"
out=$("$OOBCTL" restart 2>&1)
is "$?" 3 "oobctl restart without a service exits 3"
like "$out" "^oobctl: restart: takes exactly one argument" "and says what restart takes"
out=$("$OOBCTL" restart "$(printf 'a%.0s' $(seq 40))" 2>&1)
is "$?" 3 "oobctl restart of a 40-byte name exits 3"
like "$out" "no service is named so \(a name has at most 32 bytes" "and says why"
out=$("$OOBCTL" restart nosuch 2>&1); rc=$?
is "$rc" 3 "oobctl restart of an unknown service exits 3"
like "$out" "no service named \"nosuch\"" "and says so"
long=/run/$(printf 'd%.0s' $(seq 120))/control
out=$("$OOBCTL" -s "$long" status 2>&1)
is "$?" 3 "oobctl -s with a path too long for a Unix socket exits 3, a usage error"
like "$out" "^oobctl: --socket: the path is 133 bytes long; a Unix socket's has at most 107" "and says why"
out=$("$OOBCTL" -s "" status 2>&1)
is "$?" 3 "oobctl -s with an empty path exits 3"
like "$out" "^oobctl: --socket: an empty path" "and says so"
like "$("$OOBCTL" -h)" "^Usage: oobctl" "oobctl -h prints the usage"
like "$("$OOBCTL" -V)" "^oobctl [0-9]" "oobctl -V prints the version"

# --- restart sshd ---
pid3=$(sshd_pid)
out=$("$OOBCTL" restart sshd 2>&1); rc=$?
is "$rc" 0 "oobctl restart sshd exits 0"
like "$out" "restarting sshd" "and says so"
wait_until 15 sshd_pid_new "$pid3"
ok $? "a new sshd runs"
wait_until 15 ssh_banner "$OOB4"
ok $? "and answers with its banner"
wait_until 10 "$OOBCTL" status
ok $? "status is healthy after the restart"
like "$("$OOBCTL" status --json)" "\"restarts\":2," "a restart by request is not counted as a restart"

# --- reload ---
conf "bogus_key = 1" "[dns]" "nameserver = not-an-address"
bad1=$(grep -n '^bogus_key' "$T/oobd.conf" | cut -d: -f1)
bad2=$(grep -n '^nameserver' "$T/oobd.conf" | cut -d: -f1)
out=$("$OOBCTL" reload 2>&1); rc=$?
is "$rc" 1 "oobctl reload of a broken config exits 1"
like "$out" "$T/oobd.conf:$bad1:" "it names the first problem as FILE:LINE"
like "$out" "$T/oobd.conf:$bad2:" "and the second one"
"$OOBCTL" status >/dev/null
is "$?" 0 "oobd keeps running with the previous config"
like "$(oob_ssh "$OOB4" echo still 2>&1)" "^still$" "ssh still works"
conf "[dns]" "nameserver = 203.0.113.53"
out=$("$OOBCTL" reload 2>&1); rc=$?
is "$rc" 0 "oobctl reload of a good config exits 0"
like "$out" "reloaded" "and says so"
like "$("$OOBCTL" status)" "nameserver 203.0.113.53" "the new config is in force"
sed -i 's/^rename = oob0/rename = oob1/' "$T/oobd.conf"
out=$("$OOBCTL" reload 2>&1); rc=$?
is "$rc" 1 "a reload that changes the NIC's identity is refused: exit 1"
like "$out" "oobctl down" "and says what to do instead"
conf "[dns]" "nameserver = 203.0.113.53"

# --- a firewall file the kernel refuses: the rest is in force, exit 1 ---
fw_rules() { # fw_rules TARGET: a ruleset that lets ssh in through TARGET
	cat > "$T/fw4.rules" <<EOF
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A INPUT -p tcp --dport 22 -j $1
COMMIT
EOF
	chmod 0600 "$T/fw4.rules"
}
fw_rules ACCEPT
conf "[dns]" "nameserver = 203.0.113.53" "[firewall]" "ipv4 = $T/fw4.rules"
out=$("$OOBCTL" reload 2>&1); rc=$?
is "$rc" 0 "oobctl reload with a good firewall file exits 0" || diag "$out"
fw_rules ACCEPTX
conf "[dns]" "nameserver = 203.0.113.54" "[firewall]" "ipv4 = $T/fw4.rules"
out=$("$OOBCTL" reload 2>&1); rc=$?
is "$rc" 1 "a reload whose firewall file is refused exits 1"
like "$out" "^IPv4 firewall: $T/fw4.rules was refused; the previous rules stay: .*$T/fw4.rules:7" \
	"it names the file, the line and what stays"
like "$out" "reloaded, except the firewall rules above" "and says the rest of the config is in force"
like "$("$OOBCTL" status)" "nameserver 203.0.113.54" "the rest of the new config is in force"
like "$(ip netns exec oob iptables-legacy -S INPUT)" "--dport 22 -j ACCEPT" "the previous rules stay"
like "$(oob_ssh "$OOB4" echo fw-kept 2>&1)" "^fw-kept$" "ssh still works"
fw_rules ACCEPT
out=$("$OOBCTL" reload 2>&1); rc=$?
is "$rc" 0 "the file repaired: oobctl reload exits 0" || diag "$out"
conf "[dns]" "nameserver = 203.0.113.53"

# --- an sshd config sshd -t rejects: nothing changed, the listener stays ---
p=$(sshd_pid)
echo "ThisIsNotAnSshdOption yes" >> "$T/sshd_config"
out=$("$OOBCTL" reload 2>&1); rc=$?
is "$rc" 1 "a reload with an sshd config sshd -t rejects exits 1"
like "$out" "$T/sshd_config:[0-9]+: .*ThisIsNotAnSshdOption" "and says what sshd -t said, as FILE:LINE"
is "$(sshd_pid)" "$p" "the listener is kept"
like "$(oob_ssh "$OOB4" echo sshd-kept 2>&1)" "^sshd-kept$" "ssh still works"
sed -i '/ThisIsNotAnSshdOption/d' "$T/sshd_config"
out=$("$OOBCTL" reload 2>&1); rc=$?
is "$rc" 0 "the sshd config repaired: oobctl reload exits 0" || diag "$out"

# --- while down by request, a new NIC identity is taken, and up uses it ---
"$OOBCTL" down >/dev/null 2>&1
is "$?" 0 "oobctl down"
sed -i 's/^rename = oob0/rename = oob1/' "$T/oobd.conf"
out=$("$OOBCTL" reload 2>&1); rc=$?
is "$rc" 0 "while down, a reload that changes the NIC's identity is taken" || diag "$out"
out=$("$OOBCTL" up 2>&1); rc=$?
is "$rc" 0 "oobctl up" || diag "$out"
wait_until 10 ip -n oob link show oob1
ok $? "the NIC is in the namespace under its new name"
wait_until 15 ssh_banner "$OOB4"
like "$(oob_ssh "$OOB4" echo renamed 2>&1)" "^renamed$" "ssh works through it"

# --- an answer that cannot be written is not a success ---
"$OOBCTL" status >/dev/full 2>/dev/null
is "$?" 1 "oobctl status > /dev/full: exit status 1"
# A reader that has gone (its end of the pipe closed before the answer
# came): exit status 1, not a death by SIGPIPE, and no message. A FIFO
# whose only reader is closed before oobctl starts: its write fails for sure.
mkfifo "$T/gone"
(exec 3<>"$T/gone" 4>"$T/gone" 3<&-; exec "$OOBCTL" status 2>"$T/pipe.err" >&4 4>&-)
is "$?" 1 "oobctl status into a pipe nobody reads: exit status 1"
is "$(cat "$T/pipe.err")" "" "... without a message"

# --- a client that goes on writing after its request ---
# It could keep oobd reading what it throws away; it is dropped once that
# passes a request's size, and others are served.
cat > "$T/stream.py" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"ping\n")
chunk = b"x" * 4096
end = time.time() + 5
try:
    while time.time() < end:
        s.sendall(chunk)
    print("not dropped")
except (BrokenPipeError, ConnectionResetError):
    print("dropped")
EOF
is "$("$PY" "$T/stream.py" "$SOCK")" "dropped" "a client writing on after its request is dropped"
"$OOBCTL" status >/dev/null
ok $(( $? > 1 )) "... and oobctl is served"

# --- a hung oobd: no client waits for it without end ---
# oobd stopped (as if its event loop were stuck) while clients keep coming:
# their connections fill the control socket's listen backlog, and a client
# beyond it used to block in connect() for good.
backlog() { ss -xlH src "/run/oobd/control" | awk '{ print $3 }'; }
kill -STOP "$OOBD_PID"
waiting=()
for i in $(seq 40); do
	timeout 100 "$OOBCTL" status >/dev/null 2>&1 &
	waiting+=($!)
done
wait_until 20 eval '[ "$(backlog)" -ge 32 ]'
ok $? "the control socket's backlog is full ($(backlog) waiting)"
timeout 70 "$OOBCTL" status >/dev/null 2>"$T/hung.err"
is "$?" 2 "one more client gives up after its time limit, exit status 2"
like "$(cat "$T/hung.err")" "did not answer within 30 s" "and says oobd did not answer in time"
kill -CONT "$OOBD_PID"
wait "${waiting[@]}"
wait_until 15 "$OOBCTL" status
ok $? "oobd answers again once it runs"

stop_oobd
done_testing
