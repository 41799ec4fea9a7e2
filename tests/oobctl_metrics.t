# SPDX-License-Identifier: GPL-2.0-or-later
# "oobctl metrics" against a real oobd: the output passes a strict parser of
# the Prometheus text exposition format and carries the real values;
# "metrics -o FILE" writes the same, atomically (a reader never sees a partial
# file). Only root gets in: oobctl refuses other users itself (exit 4), the
# socket is root's with mode 0600, and oobd answers "denied" to a non-root
# peer even when the mode would let it connect.
. "$(dirname "$0")/lib.sh"; sandbox_enter "$@"

OOBCTL=$BUILD/oobctl
[ -x "$OOBCTL" ] || bail "$OOBCTL not built (run make)"
command -v jq >/dev/null || skip_all "needs jq"
command -v setpriv >/dev/null || skip_all "needs setpriv (util-linux)"
# The system's python3: quick to start, and one user "nobody" can run.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || skip_all "needs python3"
AS_NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

make_nic
make_keys
write_sshd_config
write_config "$T/oobd.conf" <<EOF
[interface]
match = mac:$NIC_MAC
rename = oob0
address = $OOB4/24
gateway = $ADM4
[service idle.svc]
exec = /bin/sleep 100000
EOF

# A strict parser of the text exposition format (version 0.0.4), as the
# textfile collector of node_exporter reads it, plus the naming rules:
# HELP and TYPE once per family and before its samples, a family's samples
# together, metric and label name syntax, quoted and escaped label values,
# values Go's ParseFloat takes, no timestamps (the textfile collector refuses
# them), counters named *_total with values >= 0, no duplicate series, and a
# final newline.
cat > "$T/promcheck.py" <<'EOF'
import re, sys

NAME = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*\Z')
LABEL = re.compile(r'[a-zA-Z_][a-zA-Z0-9_]*\Z')
FLOAT = re.compile(r'[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|Inf|NaN)\Z')
TYPES = ("counter", "gauge")  # what oobd may use; histogram/summary would need suffix rules

def parse_labels(s, errs, ln):
    """s starts after '{'; returns (labels, rest after '}')."""
    labels, i = [], 0
    while True:
        if s[i:i + 1] == "}":
            return labels, s[i + 1:]
        m = re.match(r'([^=\s]*)="', s[i:])
        if not m:
            errs.append("%d: bad label syntax" % ln)
            return labels, None
        name = m.group(1)
        if not LABEL.match(name) or name.startswith("__"):
            errs.append("%d: bad label name %r" % (ln, name))
        i += m.end()
        val = ""
        while True:
            if i >= len(s):
                errs.append("%d: unterminated label value" % ln)
                return labels, None
            c = s[i]
            if c == "\\":
                nxt = s[i + 1:i + 2]
                if nxt not in ('\\', '"', 'n'):
                    errs.append("%d: bad escape \\%s in label value" % (ln, nxt))
                val += {"n": "\n"}.get(nxt, nxt)
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                errs.append("%d: newline in label value" % ln)
                i += 1
            else:
                val += c
                i += 1
        if name in [l for l, _ in labels]:
            errs.append("%d: label %s given twice" % (ln, name))
        labels.append((name, val))
        if s[i:i + 1] == ",":
            i += 1
        elif s[i:i + 1] != "}":
            errs.append("%d: expected , or } after a label" % ln)
            return labels, None

def check(text):
    errs, help_, type_, seen, series, done, current = [], {}, {}, set(), set(), set(), None
    samples = []
    if text and not text.endswith("\n"):
        errs.append("no newline at the end")
    for ln, line in enumerate(text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"), 1):
        if line == "":
            continue
        if line.startswith("#"):
            m = re.match(r'# (HELP|TYPE) (\S+)(?: (.*))?\Z', line)
            if not m:
                continue  # a plain comment
            kind, name, rest = m.group(1), m.group(2), m.group(3)
            if not NAME.match(name):
                errs.append("%d: bad metric name %r in %s" % (ln, name, kind))
            if name in seen:
                errs.append("%d: %s for %s after its samples" % (ln, kind, name))
            if name in done:
                errs.append("%d: family %s appears twice" % (ln, name))
            table = help_ if kind == "HELP" else type_
            if name in table:
                errs.append("%d: second %s for %s" % (ln, kind, name))
            if kind == "TYPE" and rest not in TYPES:
                errs.append("%d: bad or unexpected type %r for %s" % (ln, rest, name))
            if kind == "HELP" and not rest:
                errs.append("%d: empty HELP for %s" % (ln, name))
            table[name] = rest
            if current and current != name:
                done.add(current)
            current = name
            continue
        m = re.match(r'([^{\s]+)(.*)\Z', line)
        name, rest = m.group(1), m.group(2)
        if not NAME.match(name):
            errs.append("%d: bad metric name %r" % (ln, name))
            continue
        labels = []
        if rest.startswith("{"):
            labels, rest = parse_labels(rest[1:], errs, ln)
            if rest is None:
                continue
        parts = rest.split(" ")
        if len(parts) < 2 or parts[0] != "" or any(p == "" for p in parts[1:]):
            errs.append("%d: expected one blank, then the value" % ln)
            continue
        if len(parts) > 3:
            errs.append("%d: trailing text" % ln)
            continue
        if len(parts) == 3:
            errs.append("%d: a timestamp (the textfile collector refuses them)" % ln)
        if not FLOAT.match(parts[1]):
            errs.append("%d: bad value %r" % (ln, parts[1]))
            continue
        if name in done:
            errs.append("%d: samples of %s are not together" % (ln, name))
        if current and current != name:
            done.add(current)
        current = name
        seen.add(name)
        if name not in type_:
            errs.append("%d: sample of %s before (or without) its TYPE" % (ln, name))
        if name not in help_:
            errs.append("%d: sample of %s before (or without) its HELP" % (ln, name))
        key = (name, tuple(sorted(labels)))
        if key in series:
            errs.append("%d: duplicate series %s%s" % (ln, name, dict(labels)))
        series.add(key)
        samples.append((name, dict(labels), float(parts[1])))
    for name, t in type_.items():
        if t == "counter" and not name.endswith("_total"):
            errs.append("counter %s does not end in _total" % name)
        if t != "counter" and name.endswith("_total"):
            errs.append("%s %s ends in _total" % (t, name))
        if name not in seen:
            errs.append("family %s has no samples" % name)
    for name, _, v in samples:
        if type_.get(name) == "counter" and not v >= 0:
            errs.append("counter %s has value %r" % (name, v))
    return errs, samples

text = open(sys.argv[1]).read() if len(sys.argv) > 1 else sys.stdin.read()
errs, samples = check(text)
if errs:
    print("\n".join(errs))
    sys.exit(1)
for name, labels, v in samples:
    print("%s%s %r" % (name, "".join("{%s=%s}" % kv for kv in sorted(labels.items())), v))
EOF
promcheck() { "$PY" "$T/promcheck.py" "$@"; }
# value NAME[{LABEL=VALUE}] FILE: a sample's value as promcheck prints it.
value() { promcheck "$2" | awk -v k="$1" '$1 == k { print $2 }'; }

# The parser must refuse what is wrong, or its "pass" means nothing.
refuses() { ! printf '%b' "$1" | promcheck >/dev/null; }
check "the parser accepts a well-formed exposition" -- \
	promcheck <(printf '# HELP a_total x\n# TYPE a_total counter\na_total{l="v\\\\\\"\\n"} 1\n# HELP b y\n# TYPE b gauge\nb -1.5e3\nb{x="1"} NaN\n')
check "the parser refuses a sample before its TYPE" -- refuses '# HELP a x\na 1\n# TYPE a gauge\n'
check "the parser refuses a counter not named *_total" -- refuses '# HELP a x\n# TYPE a counter\na 1\n'
check "the parser refuses a duplicate series" -- refuses '# HELP a x\n# TYPE a gauge\na{l="1"} 1\na{l="1"} 2\n'
check "the parser refuses a bad label name" -- refuses '# HELP a x\n# TYPE a gauge\na{1l="1"} 1\n'
check "the parser refuses an unquoted label value" -- refuses '# HELP a x\n# TYPE a gauge\na{l=1} 1\n'
check "the parser refuses a bad value" -- refuses '# HELP a x\n# TYPE a gauge\na one\n'
check "the parser refuses a timestamp" -- refuses '# HELP a x\n# TYPE a gauge\na 1 1700000000000\n'
check "the parser refuses a split family" -- refuses '# HELP a x\n# TYPE a gauge\na 1\n# HELP b x\n# TYPE b gauge\nb 1\na{l="2"} 1\n'
check "the parser refuses a missing final newline" -- refuses '# HELP a x\n# TYPE a gauge\na 1'

start_oobd "$T/oobd.conf"
wait_until 15 ssh_banner "$OOB4"
ok $? "oobd is up: sshd answers" || bail "oobd did not come up"
wait_until 10 sshd_ready
svc_up() { "$OOBCTL" status --json | jq -e '.services[] | select(.name == "idle.svc") | .state == "up"'; }
wait_until 10 svc_up
ok $? "the service idle.svc runs"

# --- metrics on stdout ---
"$OOBCTL" metrics > "$T/metrics.out"
is "$?" 0 "oobctl metrics exits 0"
out=$(promcheck "$T/metrics.out")
ok $? "the output passes the strict exposition-format parser" || diag "$out"
"$OOBCTL" status --json > "$T/status.json"
for m in oobd_up oobd_healthy oobd_path_down oobd_nic_present oobd_nic_carrier oobd_service_up \
	 oobd_service_restarts_total oobd_sshd_config_fallback oobd_repairs_total oobd_log_lines_dropped_total \
	 oobd_last_reconcile_timestamp_seconds oobd_start_time_seconds; do
	grep -q "^# TYPE $m " "$T/metrics.out"
	ok $? "metric $m is there"
done
is "$(value oobd_up "$T/metrics.out")" 1.0 "oobd_up is 1"
is "$(value oobd_healthy "$T/metrics.out")" 1.0 "oobd_healthy is 1"
is "$(value oobd_path_down "$T/metrics.out")" 0.0 "oobd_path_down is 0"
is "$(value oobd_nic_present "$T/metrics.out")/$(value oobd_nic_carrier "$T/metrics.out")" 1.0/1.0 \
	"oobd_nic_present and oobd_nic_carrier are 1"
is "$(value 'oobd_service_up{service=sshd}' "$T/metrics.out")" 1.0 "oobd_service_up{service=\"sshd\"} is 1"
is "$(value 'oobd_service_up{service=idle.svc}' "$T/metrics.out")" 1.0 "oobd_service_up{service=\"idle.svc\"} is 1"
is "$(value 'oobd_service_restarts_total{service=sshd}' "$T/metrics.out")" 0.0 "no sshd restarts"
is "$(value oobd_sshd_config_fallback "$T/metrics.out")" 0.0 "oobd_sshd_config_fallback is 0"
is "$(value oobd_repairs_total "$T/metrics.out")" 0.0 "oobd_repairs_total is 0"
is "$(value oobd_log_lines_dropped_total "$T/metrics.out")" 0.0 "oobd_log_lines_dropped_total is 0 (its log is a file)"
is "$(value oobd_start_time_seconds "$T/metrics.out")" "$(jq -r .oobd.started "$T/status.json").0" \
	"oobd_start_time_seconds is the start time status shows"
is "$(value oobd_last_reconcile_timestamp_seconds "$T/metrics.out")" "$(jq -r .last_reconcile "$T/status.json").0" \
	"oobd_last_reconcile_timestamp_seconds is the time status shows"

# The values follow the state: a killed service counts a restart, a deleted
# address a repair.
pid=$(jq -r '.services[] | select(.name == "idle.svc") | .pid' "$T/status.json")
kill -KILL "$pid"
restarts_is() { "$OOBCTL" metrics > "$T/m"; [ "$(value "oobd_service_restarts_total{service=$1}" "$T/m")" = "$2" ]; }
wait_until 10 restarts_is idle.svc 1.0
ok $? "idle.svc killed: oobd_service_restarts_total{service=\"idle.svc\"} is 1"
ip -n oob addr del "$OOB4/24" dev oob0
repaired() { "$OOBCTL" metrics > "$T/m"; [ "$(value oobd_repairs_total "$T/m")" != 0.0 ]; }
wait_until 10 repaired
ok $? "address deleted by hand: oobd_repairs_total went up"
ip -n admin link set adm0 down
no_carrier() { "$OOBCTL" metrics > "$T/m"; [ "$(value oobd_nic_carrier "$T/m")$(value oobd_healthy "$T/m")" = 0.00.0 ]; }
wait_until 10 no_carrier
ok $? "no carrier: oobd_nic_carrier and oobd_healthy are 0"
out=$(promcheck "$T/m")
ok $? "the degraded output passes the parser too" || diag "$out"
ip -n admin link set adm0 up
healthy() { "$OOBCTL" metrics > "$T/m"; [ "$(value oobd_healthy "$T/m")" = 1.0 ]; }
wait_until 10 healthy
ok $? "carrier back: oobd_healthy is 1"

# --- metrics -o FILE ---
mkdir -p "$T/textfile"
P=$T/textfile/oobd.prom
out=$("$OOBCTL" metrics -o "$P" 2>&1); rc=$?
is "$rc" 0 "metrics -o FILE exits 0"
is "$out" "" "and prints nothing"
out=$(promcheck "$P")
ok $? "the file passes the parser" || diag "$out"
same_as_stdout() { "$OOBCTL" metrics -o "$P" && "$OOBCTL" metrics > "$T/m" && cmp -s "$P" "$T/m"; }
wait_until 10 same_as_stdout
ok $? "the file holds what metrics prints"
is "$(stat -c '%a %U' "$P")" "644 root" "the file is mode 0644 (readable by the exporter's user)"
is "$(ls "$T/textfile")" oobd.prom "no temporary file is left beside it"
ino1=$(stat -c %i "$P")
"$OOBCTL" metrics -o "$P"
ino2=$(stat -c %i "$P")
[ "$ino1" != "$ino2" ]
ok $? "a rewrite replaces the file (rename), it does not rewrite it in place"

# A reader that keeps reading the file while it is rewritten must only ever
# see a complete exposition.
cat > "$T/reader.py" <<'EOF'
import os, sys, time
path, stop, report = sys.argv[1:4]
reads = bad = 0
open(stop + ".ready", "w").close()
while not os.path.exists(stop):
    with open(path) as f:
        t = f.read()
    reads += 1
    if not (t.startswith("# HELP oobd_up ") and t.endswith("\n") and "\noobd_start_time_seconds " in t):
        bad += 1
with open(report, "w") as f:
    f.write("%d %d\n" % (reads, bad))
EOF
rm -f "$T/stop" "$T/report"
"$PY" "$T/reader.py" "$P" "$T/stop" "$T/report" &
READER=$!
wait_until 10 test -e "$T/stop.ready"
ok $? "the reader runs"
writes_ok=0
for i in $(seq 60); do
	"$OOBCTL" metrics -o "$P" && writes_ok=$((writes_ok + 1))
done
touch "$T/stop"
wait "$READER"
is "$writes_ok" 60 "60 rewrites while a reader reads: all exit 0"
read -r reads bad < "$T/report"
diag "the reader read the file $reads times"
[ "$reads" -gt 0 ] && [ "$bad" = 0 ]
ok $? "the reader never saw a partial or empty file ($bad bad of $reads reads)"

out=$("$OOBCTL" metrics -o "$T/no-such-dir/oobd.prom" 2>&1); rc=$?
is "$rc" 1 "metrics -o into a missing directory exits 1"
like "$out" "writing $T/no-such-dir/oobd.prom" "and says which file it could not write"

# --- only root ---
is "$(stat -c '%a %U %G %F' /run/oobd/control)" "600 root root socket" \
	"/run/oobd/control is a socket owned by root, mode 0600"
for args in "status" "status --json" "metrics" "reload" "restart sshd" "down" "up"; do
	# shellcheck disable=SC2086
	out=$("${AS_NOBODY[@]}" "$OOBCTL" $args 2>&1); rc=$?
	is "$rc" 4 "oobctl $args as nobody: exit 4"
done
like "$out" "must be run as root" "oobctl says why"
ip netns list | grep -qw oob
ok $? "the refused \"down\" changed nothing: the namespace is still there"
is "$(ip -n oob -o link show oob0 | grep -c oob0)" 1 "and the NIC is still in it"

# A raw connection as nobody: the socket's mode refuses it.
cat > "$T/raw.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(20)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print("connect: %s" % e.strerror)
    sys.exit(0)
s.sendall(sys.argv[2].encode() + b"\n")
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
sys.stdout.write(data.decode())
EOF
chmod 0644 "$T/raw.py"
cp "$T/raw.py" /run/raw.py
out=$("${AS_NOBODY[@]}" "$PY" /run/raw.py /run/oobd/control status 2>&1)
is "$out" "connect: Permission denied" "a raw connection as nobody is refused by the socket's mode"
# Even if the mode let it in, oobd checks the peer (SO_PEERCRED) itself.
chmod 0666 /run/oobd/control
out=$("${AS_NOBODY[@]}" "$PY" /run/raw.py /run/oobd/control status 2>&1)
chmod 0600 /run/oobd/control
like "$out" "^4 denied" "with the mode opened up, oobd answers \"4 denied\" to a non-root peer"
unlike "$out" "namespace" "and tells it nothing"
out=$("$PY" /run/raw.py /run/oobd/control ping)
is "$out" "$(printf '0 ok\npong')" "root gets \"0 ok\" and the answer"

stop_oobd
"$OOBCTL" metrics -o "$P" 2>/dev/null
is "$?" 2 "metrics -o FILE exits 2 when oobd is not running"

done_testing
