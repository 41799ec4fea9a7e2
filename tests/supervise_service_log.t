# SPDX-License-Identifier: GPL-2.0-or-later
# Under journald, a [service] writes to a journald stream of its own,
# named oobd-NAME, not to oobd's: a service that writes more than journald
# reads (here: a stream journald does not read at all while it is busy)
# fills its own stream and waits on it, and oobd's lines still go out. The
# service's stream blocks for the service (a program that writes to a full
# stdout waits, it does not fail with EAGAIN); oobd never writes to it.
# journald is a stand-in at /run/systemd/journal/stdout, oobd's stderr a
# stream to it named in $JOURNAL_STREAM, as systemd makes it.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
PY=$(command -v python3) || skip_all "needs python3"
YES=$(command -v yes) || skip_all "needs yes"
make_nic
make_keys
write_sshd_config
write_nic_config "$T/oobd.conf"
cat >> "$T/oobd.conf" <<EOF

[service flood]
exec = $YES flood
EOF

# The stand-in journald: every stream's identifier (its header's first
# line) to streams. Of a service's stream (not "oobd"), the first line it
# carries to samples as "IDENT: LINE", then not another byte. oobd's own
# stream is read only on SIGUSR1, as far as it goes then (at most 1 MiB):
# oobd's lines appended to oobd.journal, the flood's counted in
# oobd.flood; then drains counts the reads.
cat > "$T/journald.py" <<'EOF'
import os, select, signal, socket, sys
path, d = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(64)
own, sample = [], {}
drain = [False]
signal.signal(signal.SIGUSR1, lambda *_: drain.__setitem__(0, True))
drains = flood = 0

def put(name, text, mode="a"):
    with open(os.path.join(d, name), mode) as f:
        f.write(text)

while True:
    r, _, _ = select.select([srv], [], [], 0.05)
    if r:
        c, _ = srv.accept()
        hdr = b""
        while hdr.count(b"\n") < 7:
            b = c.recv(1)
            if not b:
                break
            hdr += b
        ident = hdr.split(b"\n")[0].decode()
        put("streams", ident + "\n")
        c.setblocking(False)
        if ident == "oobd":
            own.append(c)
        else:
            sample[c] = (ident, b"")
    for c, (ident, got) in list(sample.items()):
        if got is None:
            continue
        try:
            got += c.recv(64)
        except BlockingIOError:
            pass
        if b"\n" in got:
            put("samples", "%s: %s\n" % (ident, got.split(b"\n")[0].decode()))
            got = None
        sample[c] = (ident, got)
    if drain[0]:
        drain[0] = False
        data = b""
        for c in own:
            while len(data) < 1 << 20:
                try:
                    b = c.recv(65536)
                except BlockingIOError:
                    break
                if not b:
                    break
                data += b
        lines = data.split(b"\n")
        flood += sum(1 for l in lines if l == b"flood")
        put("oobd.journal", "".join(l.decode() + "\n" for l in lines if l and l != b"flood"))
        put("oobd.flood", "%d\n" % flood, "w")
        drains += 1
        put("drains", "%d\n" % drains, "w")
EOF
mkdir -p /run/systemd/journal
"$PY" "$T/journald.py" /run/systemd/journal/stdout "$T" &
journald=$!
wait_until 10 test -S /run/systemd/journal/stdout
ok $? "a stand-in journald listens"

# oobd's stderr and stdout: a stream to it, named in $JOURNAL_STREAM.
cat > "$T/run-oobd.py" <<'EOF'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"oobd\n\n6\n1\n0\n0\n0\n")
os.dup2(s.fileno(), 2)
os.dup2(s.fileno(), 1)
st = os.fstat(2)
os.environ["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
os.execv(sys.argv[2], sys.argv[2:])
EOF
"$PY" "$T/run-oobd.py" /run/systemd/journal/stdout "$OOBD" -c "$T/oobd.conf" &
OOBD_PID=$!

# drain: journald reads oobd's stream once, as far as it goes now.
drain() {
	local n; n=$(cat "$T/drains" 2>/dev/null || echo 0)
	kill -USR1 "$journald"
	wait_until 10 eval '[ "$(cat "$T/drains" 2>/dev/null || echo 0)" -gt '"$n"' ]'
}
# flood_pid: the service's program; blocked: it waits in a write (yes
# sleeps for nothing else).
flood_pid() { pgrep -x yes; }
blocked() { [ "$(awk '{ print $3 }' "/proc/$(flood_pid)/stat" 2>/dev/null)" = S ]; }

wait_until 15 ssh_banner "$OOB4"
ok $? "the path comes up, sshd answers"
wait_until 15 blocked
ok $? "the service has filled the stream it writes to, and waits on it"
pid=$(flood_pid)
flags=$(awk '/^flags:/ { print $2 }' "/proc/$pid/fdinfo/1" 2>/dev/null)
ok $(( (8#${flags:-4000} & 8#4000) == 0 ? 0 : 1 )) "its stdout blocks (flags $flags): it waits, it does not fail"

"$OOBCTL" reload >/dev/null 2>&1
is "$?" 0 "a reload while the service floods"
drain
ok $? "journald reads oobd's stream"
like "$(cat "$T/oobd.journal" 2>/dev/null)" '^<5>reload done$' "oobd's \"reload done\" is in oobd's stream"
like "$("$OOBCTL" metrics)" '^oobd_log_lines_dropped_total 0$' "oobd dropped none of its lines"
is "$(cat "$T/oobd.flood" 2>/dev/null)" 0 "oobd's stream carries none of the service's output"
like "$(cat "$T/streams")" '^oobd-flood$' "the service has a journald stream of its own, named oobd-flood"
like "$(cat "$T/streams")" '^oobd-sshd$' "sshd still has its own, oobd-sshd"
like "$(cat "$T/samples" 2>/dev/null)" '^oobd-flood: flood$' "the service's output arrives on that stream"
check "the service ran on, never restarted" -- test -n "$pid" -a "$(flood_pid)" = "$pid"

# $JOURNAL_STREAM names the stream a program's stderr is (DEV:INO), as
# systemd sets it: each child's own, not oobd's, which is not its stderr.
# (sshd's own is not seen here: its process title overwrites its
# /proc/PID/environ.)
stream_of() { stat -L -c '%d:%i' "/proc/$1/fd/2" 2>/dev/null; }
env_of() { tr '\0' '\n' < "/proc/$1/environ" 2>/dev/null | sed -n 's/^JOURNAL_STREAM=//p'; }
oobd_stream=$(env_of "$OOBD_PID")
check "oobd's \$JOURNAL_STREAM is set" -- test -n "$oobd_stream"
got=$(env_of "$pid")
is "$got" "$(stream_of "$pid")" "the service's \$JOURNAL_STREAM names its own stream"
check "... not oobd's" -- test "$got" != "$oobd_stream"

# A new start, a new stream: the old one's reader may be gone.
kill -KILL "$pid"
wait_until 15 eval '[ "$(grep -c "^oobd-flood$" "$T/streams")" -ge 2 ]'
ok $? "the service killed: its next start opens a stream anew"
wait_until 15 blocked
ok $? "... which it fills and waits on too"
pid2=$(flood_pid)
is "$(env_of "$pid2")" "$(stream_of "$pid2")" "the new start's \$JOURNAL_STREAM names the new stream"
check "... not the old one" -- test "$(env_of "$pid2")" != "$got"
"$OOBCTL" reload >/dev/null 2>&1
drain
is "$(grep -c '^<5>reload done$' "$T/oobd.journal" 2>/dev/null)" 2 "the next reload's \"reload done\" too"
like "$("$OOBCTL" metrics)" '^oobd_log_lines_dropped_total 0$' "still no line of oobd's dropped"

stop_oobd
kill "$journald" 2>/dev/null
done_testing
