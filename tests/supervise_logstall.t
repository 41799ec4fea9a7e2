# SPDX-License-Identifier: GPL-2.0-or-later
# The log's reader stops reading (journald stuck on a dead disk): oobd and
# its sshd must go on as if nothing happened. Lines that do not fit are
# dropped and counted, never waited for; sshd writes through a stream of
# its own that fails instead of blocking. Two kinds of stderr: a pipe
# filled before oobd starts, and a stand-in for journald's stream socket
# ($JOURNAL_STREAM) that accepts connections and reads only their headers.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
PY=$(command -v python3) || skip_all "needs python3"
make_nic
make_keys
write_sshd_config
write_nic_config "$T/oobd.conf"

# fill FILE: write to the FIFO FILE until it takes no more.
fill() {
	"$PY" - "$1" <<'EOF'
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK)
n = 0
for size in (65536, 4096, 1):
    while True:
        try:
            n += os.write(fd, b"x" * size)
        except BlockingIOError:
            break
print(n)
EOF
}

# the_path_works WHAT: sshd answers, a login works, oobd answers oobctl,
# and a killed sshd comes back.
the_path_works() {
	wait_until 15 ssh_banner "$OOB4"
	ok $? "$1: the path comes up, sshd answers"
	like "$(oob_ssh "$OOB4" echo through 2>&1)" "^through$" "$1: an ssh login works"
	timeout 10 "$OOBCTL" status >/dev/null 2>&1
	ok $(( $? <= 1 ? 0 : 1 )) "$1: oobd answers oobctl status"
	local r=0 i
	for i in 1 2 3; do "$OOBCTL" reload >/dev/null 2>&1 || { r=$?; break; }; done
	is "$r" 0 "$1: three reloads, each logging, each answered"
	local p; p=$(sshd_pid)
	kill -KILL "$p"
	wait_until 15 eval '[ -n "$(sshd_pid)" ] && [ "$(sshd_pid)" != "'"$p"'" ]' && wait_until 15 ssh_banner "$OOB4"
	ok $? "$1: sshd killed: a new one answers"
}

# --- a pipe, full before oobd starts ---
mkfifo /run/stuck
sleep 100000 < /run/stuck &
reader=$!
filled=$(fill /run/stuck)
ok $(( filled > 0 ? 0 : 1 )) "the pipe holds $filled bytes and takes no more"
"$OOBD" -c "$T/oobd.conf" 2>/run/stuck >/run/stuck &
OOBD_PID=$!
the_path_works "stderr a full pipe"
like "$("$OOBCTL" metrics)" '^oobd_log_lines_dropped_total [1-9][0-9]*$' "the metrics count the lines dropped"
# The reader comes back: the first line that fits says how many were lost.
cat /run/stuck > "$T/drained" &
drainer=$!
wait_until 10 eval '[ "$(stat -c %s "$T/drained")" -ge "$filled" ]'
ok $? "the reader has read what filled the pipe"
"$OOBCTL" reload >/dev/null 2>&1
wait_until 10 grep -q '<5>reloading ' "$T/drained"
ok $? "once there is room again, the log goes on with the lines that fit"
is "$(grep -o -m1 -E '<4>[0-9]+ log lines dropped: the log.s reader was not reading|<5>reloading ' "$T/drained")" \
	"$(grep -o -m1 -E '<4>[0-9]+ log lines dropped: the log.s reader was not reading' "$T/drained")" \
	"and first says how many lines were dropped"
kill "$drainer" 2>/dev/null
stop_oobd
kill "$reader" 2>/dev/null

# --- journald's stream, stuck ---
mkdir -p /run/systemd/journal
cat > "$T/journald.py" <<'EOF'
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(64)
conns = []
while True:
    c, _ = srv.accept()
    conns.append(c)
    # The header only (identifier first), then never another byte.
    hdr = b""
    while hdr.count(b"\n") < 7:
        b = c.recv(1)
        if not b:
            break
        hdr += b
    with open(out, "a") as f:
        f.write(hdr.split(b"\n")[0].decode() + "\n")
EOF
"$PY" "$T/journald.py" /run/systemd/journal/stdout "$T/streams" &
journald=$!
wait_until 10 test -S /run/systemd/journal/stdout
ok $? "a stand-in journald listens"
# oobd's stderr: a stream to it, filled, named in $JOURNAL_STREAM.
cat > "$T/run-oobd.py" <<'EOF'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"oobd\n\n6\n1\n0\n0\n0\n")
s.setblocking(False)
try:
    while True:
        s.send(b"x" * 4096)
except BlockingIOError:
    pass
s.setblocking(True)
os.dup2(s.fileno(), 2)
os.dup2(s.fileno(), 1)
st = os.fstat(2)
os.environ["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
os.execv(sys.argv[2], sys.argv[2:])
EOF
"$PY" "$T/run-oobd.py" /run/systemd/journal/stdout "$OOBD" -c "$T/oobd.conf" &
OOBD_PID=$!
the_path_works "stderr journald's stream, full"
like "$(cat "$T/streams")" "oobd-sshd" "sshd writes through a journald stream of its own"
flags=$(awk '/^flags:/ { print $2 }' "/proc/$(sshd_pid)/fdinfo/2" 2>/dev/null)
ok $(( (8#${flags:-0} & 8#4000) != 0 ? 0 : 1 )) "sshd's stream fails rather than blocks (flags $flags)"
stop_oobd
kill "$journald" 2>/dev/null
done_testing
