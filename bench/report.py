#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Turn the samples of bench/run.sh into the table and the JSON.

    report.py RESULTS_DIR JSON_OUT

RESULTS_DIR holds one NAME.series file per series (one sample a line: ns,
KiB or a count) and a "meta" file of key=value lines. Every row shows the
median and the range (min-max) of oobd's samples and of its baseline's,
measured in the same run, their ratio, the target and whether the median
meets it. The JSON has the same rows (with quartiles) and every sample.
"""
import json
import os
import statistics
import sys

RES, OUT = sys.argv[1], sys.argv[2]


def series(name):
    try:
        with open(os.path.join(RES, name + ".series")) as f:
            return [float(x) for x in f.read().split()]
    except FileNotFoundError:
        return None


def read_meta():
    meta = {}
    try:
        with open(os.path.join(RES, "meta")) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                meta[k] = v
    except FileNotFoundError:
        pass
    return meta


def stats(v, scale):
    if not v:
        return None
    v = sorted(x / scale for x in v)
    q = statistics.quantiles(v, n=4, method="inclusive") if len(v) > 1 else [v[0]] * 3
    return {"n": len(v), "median": statistics.median(v), "min": v[0], "max": v[-1], "q1": q[0], "q3": q[2]}


SCALE = {"ms": 1e6, "us": 1e3, "MiB": 1024.0, "count": 1.0}


def fmt(x, unit):
    if x is None:
        return "-"
    if unit == "count":
        return "%d" % round(x)
    a = abs(x)
    s = "%.0f" % x if a >= 100 else "%.1f" % x if a >= 10 else "%.2f" % x if a >= 0.1 else "%.3f" % x
    return s


def fmt_stats(s, unit):
    if s is None:
        return "-"
    u = "" if unit == "count" else " " + unit
    return "%s%s [%s-%s]" % (fmt(s["median"], unit), u, fmt(s["min"], unit), fmt(s["max"], unit))


meta = read_meta()
fw_applied = open(os.path.join(RES, "fw_applied")).read().strip() == "1" if os.path.exists(
    os.path.join(RES, "fw_applied")) else False
idle_s = meta.get("idle_seconds")
try:
    idle_s = open(os.path.join(RES, "idle_seconds")).read().strip()
except FileNotFoundError:
    pass

try:
    checks = open(os.path.join(RES, "sshd_checks")).read().strip()
except FileNotFoundError:
    checks = None

rows = []


def row(fid, name, unit, oobd, base=None, base_name=None, ratio=None, target=None, check=None, note=None,
        status=None, oobd_stats=None, base_stats=None):
    """ratio: 'speedup' (baseline/oobd), 'relative' (oobd/baseline), 'overhead'
    (oobd - baseline, in unit) or None. check(oobd_stats, base_stats, ratio) -> bool."""
    so = oobd_stats if oobd_stats is not None else stats(series(oobd), SCALE[unit]) if oobd else None
    sb = base_stats if base_stats is not None else stats(series(base), SCALE[unit]) if base else None
    r = None
    if so and sb and ratio:
        if ratio == "speedup" and so["median"] > 0 and sb["median"] > 0:
            r = sb["median"] / so["median"]
        elif ratio == "relative" and sb["median"] > 0 and so["median"] > 0:
            r = so["median"] / sb["median"]
        elif ratio == "overhead":
            r = so["median"] - sb["median"]
    met = None
    if status is None and so is None and (oobd or oobd_stats is not None):
        status = "skipped"
    if check and status is None and so is not None:
        try:
            res = check(so, sb, r)
            met = None if res is None else bool(res)
        except TypeError:
            met = None
    rows.append({
        "id": fid, "name": name, "unit": unit,
        "oobd": so, "baseline_name": base_name, "baseline": sb,
        "ratio_kind": ratio, "ratio": r, "target": target, "met": met,
        "status": status, "note": note, "oobd_series": oobd,
    })


def measurable(p):
    """A per-route cost fit to judge against: positive, and its quartiles
    within its median of each other (at 1,000 routes the difference can
    drown in the run-to-run noise of a whole program's start)."""
    return p is not None and p["q1"] > 0 and p["q3"] - p["q1"] <= p["median"]


def per_route(kind, n, tool):
    """Per-route cost in us of applying (or reloading) n routes: each sample
    at size n minus the median at size 0, divided by n. oobd's from its
    netlink phases (log stamps), free of its start-up's and its firewall's
    noise; ip -batch's from whole runs."""
    sfx = "_nic" if tool == "oobd" else ""
    v = series("f6_r%d_%s_%s%s" % (n, kind, tool, sfx))
    z = series("f6_r0_%s_%s%s" % (kind, tool, sfx))
    if not v or not z:
        return None
    z0 = statistics.median(z)
    return stats([(x - z0) / n for x in v], 1e3)


# 1. Bring-up
row("1", "bring-up: exec -> namespace configured", "ms", "f1_oobd", "f1_recipe", "recipe.sh", "speedup",
    ">= 10x faster", lambda o, b, r: r is not None and r >= 10,
    "oobd's end: its log line for the routes, after the link went up behind the rules (stamped as read); firewall %s" %
    ("included" if fw_applied else "not applied by oobd yet, left out of both"))
row("1a", "  oobd: exec -> config read (log)", "ms", "f1_oobd_started")
row("1a", "  oobd: exec -> namespace created (log)", "ms", "f1_oobd_ns")
row("1a", "  oobd: exec -> NIC moved in (log)", "ms", "f1_oobd_moved")
row("1a", "  oobd: exec -> sshd daemon started (wrapper)", "ms", "f1_oobd_sshd")
row("1b", "  kernel floor: new namespace + NIC move, no exec", "ms", None, "f1_floor", "benchtool floor",
    note="what no implementation can avoid")
row("1c", "  oobd --version: exec + dynamic linking alone", "ms", "f1_exec")
row("1c", "  /bin/true: one program start on this machine", "ms", "f1_true")
row("1d", "  best ratio possible: recipe / kernel floor", "ms", None, "f1_recipe", "recipe.sh", "speedup",
    oobd_stats=stats(series("f1_floor"), 1e6), note="oobd column: the kernel floor")
row("1e", "  sshd -T and both restores side by side, vs one after the other", "ms", "f1_helpers_par",
    "f1_helpers_seq", "in series", "speedup",
    note="what running oobd's start-up helpers in parallel gains here (2 would be perfect on 2 CPUs)")


def sum_stats(a, b):
    if not a or not b:
        return None
    return {k: a[k] + b[k] for k in ("median", "min", "max", "q1", "q3")} | {"n": min(a["n"], b["n"])}

# 2. First banner
row("2", "first SSH banner from exec", "ms", "f2_oobd", "f2_recipe", "recipe.sh + sshd", "speedup",
    ">= 2.5x faster", lambda o, b, r: r is not None and r >= 2.5)
row("2a", "  vs bare sshd in a prepared namespace", "ms", "f2_oobd", "f2_bare", "bare sshd", "overhead",
    None, None, "ratio column: oobd's overhead in ms")
row("2f", "  best ratio possible: (recipe + sshd) / (floor + bare sshd)", "ms", None, "f2_recipe",
    "recipe.sh + sshd", "speedup",
    oobd_stats=sum_stats(stats(series("f1_floor"), 1e6), stats(series("f2_bare"), 1e6)),
    note="oobd column: kernel floor (figure 1) + bare sshd, medians and ranges added")
row("2b", "  oobd: exec -> configured (log)", "ms", "f2_oobd_configured")
row("2b", "  oobd: exec -> sshd spawned (log)", "ms", "f2_oobd_spawned")
row("2c", "  sshd part: spawned -> banner", "ms", "f2_oobd_sshd", "f2_bare", "bare sshd", "relative")
def run_by_oobd(flag):
    if checks is None:
        return "?"
    n = checks.count(flag)
    return "run %dx by oobd before it starts sshd" % n if n else "not run by oobd"


row("2d", "  sshd -t alone (config check), %s" % run_by_oobd("t"), "ms", "f2_sshd_t")
row("2e", "  sshd -T alone (effective config), %s" % run_by_oobd("T"), "ms", "f2_sshd_T")
# 3. Recovery
row("3", "recovery: sshd SIGKILL -> next banner", "ms", "f3_oobd", "f2_bare", "bare sshd start", "relative",
    "< 100 ms", lambda o, b, r: o["median"] < 100,
    "baseline: bare sshd exec -> banner (figure 2), the floor for any supervisor")
row("3a", "  kill -> oobd logs the death", "ms", "f3_oobd_noticed")
row("3b", "  kill -> new sshd spawned", "ms", "f3_oobd_spawned")
# 4. NIC return
row("4", "NIC return -> IPv4 TCP connect", "ms", "f4_oobd_v4", "f4_recipe_v4", "recipe NIC part (hook)",
    "speedup", "< 50 ms", lambda o, b, r: o["median"] < 50,
    "baseline hook starts at the very moment the NIC appears (zero detection latency)")
row("4e", "  one NIC namespace move (kernel), for scale", "ms", None, "f4_plug", "plugging it in",
    note="oobd must make one such move")
row("4c", "  NIC appears -> oobd has moved it (log)", "ms", "f4_oobd_moved")
row("4d", "  NIC appears -> oobd has configured it (log)", "ms", "f4_oobd_configured")
row("4a", "NIC return -> IPv6 TCP connect", "ms", "f4_oobd_v6", "f4_recipe_v6", "recipe NIC part (hook)",
    "speedup", None, None, "dominated by duplicate address detection")
row("4b", "oobd wake-ups while the NIC is absent, per 0.5 s", "count", "f4_absent_wakeups", target="0",
    check=lambda o, b, r: o["max"] == 0)
# 5. Footprint
row("5", "RSS after start", "MiB", "f5_rss", "f5_rss_sleep", "sleep(1)", "relative", "< 2 MiB",
    lambda o, b, r: o["median"] < 2)
row("5a", "  sshd listener RSS, for scale", "MiB", "f5_rss_sshd")
row("5d", "  private memory (USS: pages no other process maps)", "MiB", "f5_uss", "f5_uss_sleep", "sleep(1)",
    "relative")
row("5e", "  proportional share (PSS: each page split among its mappers)", "MiB", "f5_pss", "f5_pss_sleep",
    "sleep(1)", "relative")
row("5c", "  peak RSS (VmHWM) after applying 10,000 routes", "MiB", "f6_r10000_hwm")
row("5b", "wake-ups over %s s idle" % (idle_s or "30"), "count", "f5_wake_oobd", "f5_wake_sshd",
    "sshd listener", None, "0", lambda o, b, r: o["max"] == 0)
# 6. Scale
row("6", "apply 256 addresses + 1,000 routes", "ms", "f6_scale_apply_oobd", "f6_scale_apply_ip", "ip -batch",
    "speedup", ">= 3x faster", lambda o, b, r: r is not None and r >= 3,
    "oobd: running with 1 address, given the config (SIGHUP -> reload done); one ip -batch from the bare NIC")
row("6a", "  oobd's whole start-up with them (exec -> sshd started)", "ms", "f6_scale_start_oobd",
    "f6_scale_apply_ip", "ip -batch", "speedup",
    note="also the firewall (built-in rulesets here) and the sshd config check, which ip -batch does not do")
row("6a", "  oobd: netlink part of that start-up (log: addresses, then routes)", "ms",
    "f6_scale_apply_oobd_nic", "f6_scale_apply_ip", "ip -batch", "speedup")
row("6b", "reload (SIGHUP), one route added", "ms", "f6_scale_reload_oobd", "f6_scale_reload_ip",
    "ip -batch, replace all", "speedup", ">= 3x faster", lambda o, b, r: r is not None and r >= 3,
    "oobd: SIGHUP -> reload done")
row("6b", "  oobd: reconcile part (log: firewall updated -> reload done)", "ms", "f6_scale_reload_oobd_nic",
    "f6_scale_reload_ip", "ip -batch, replace all", "speedup")
row("6b", "  reload with 1 address and no route: the fixed part", "ms", "f6_r0_reload_oobd", "f6_r0_reload_ip",
    "ip -batch, replace all", "speedup")
if fw_applied:
    row("6c", "ruleset, 5,000 rules: apply (over the typical 4)", "ms", "f6_fw_apply_oobd", "f6_fw_apply_ipt",
        "iptables-legacy-restore", "relative", "<= 1.1x", lambda o, b, r: r is not None and r <= 1.1,
        "oobd running with the typical 4-rule file is given the 5,000-rule one: SIGHUP -> reload done; "
        "iptables-legacy-restore of the 5,000-rule file over the typical 4 rules")
    row("6c", "  oobd: its firewall part (log: SIGHUP -> IPv4 rules applied, read back)", "ms", "f6_fw_apply_oobd_fw",
        "f6_fw_apply_ipt", "iptables-legacy-restore", "relative")
    row("6c", "  what the 5,000 add to oobd's whole bring-up", "ms", "f6_fw_apply_oobd_whole", "f6_fw_added_ipt",
        "iptables-legacy-restore, added", "relative", note="oobd: exec -> sshd started, 5,000 rules minus the "
        "typical 4, paired; restore: into a fresh namespace, the same difference")
    row("6d", "ruleset, 5,000 rules: reload, one rule changed", "ms", "f6_fw_reload_oobd", "f6_fw_reload_ipt",
        "iptables-legacy-restore", "relative", "<= 1.1x", lambda o, b, r: r is not None and r <= 1.1,
        "oobd: SIGHUP -> reload done; iptables-legacy-restore of the changed file")
    row("6d", "  oobd: its firewall part (log: SIGHUP -> IPv4 rules applied, read back)", "ms", "f6_fw_reload_oobd_fw",
        "f6_fw_reload_ipt", "iptables-legacy-restore", "relative")
else:
    row("6c", "ruleset, 5,000 rules: apply (over the typical 4)", "ms", None, "f6_fw_apply_ipt",
        "iptables-legacy-restore", None, "<= 1.1x", status="not yet measurable",
        note="oobd does not apply [firewall] yet")
    row("6d", "ruleset, 5,000 rules: reload, one rule changed", "ms", None, "f6_fw_reload_ipt",
        "iptables-legacy-restore", None, "<= 1.1x", status="not yet measurable")
row("6c", "  iptables-legacy-restore alone, 5,000 rules, whole run", "ms", None, "f6_fw_whole_ipt",
    "iptables-legacy-restore")
for n in (10, 1000, 10000):
    row("6e", "apply, 1 address + %s routes" % format(n, ","), "ms", "f6_r%d_apply_oobd" % n,
        "f6_r%d_apply_ip" % n, "ip -batch", "speedup")
    row("6e", "  start-up, 1 address + %s routes" % format(n, ","), "ms", "f6_r%d_start_oobd" % n,
        "f6_r%d_apply_ip" % n, "ip -batch", "speedup")
for kind in ("apply", "reload"):
    pr = {n: (per_route(kind, n, "oobd"), per_route(kind, n, "ip")) for n in (10, 1000, 10000)}
    for n in (10, 1000, 10000):
        o, b = pr[n]
        target = check = None
        if n == 10000:
            target = "linear (<= 1.5x the cost at 1,000)"
            p1000 = pr[1000][0]
            check = (lambda o_, b_, r_, p=p1000: o_["median"] <= 1.5 * p["median"] if measurable(p) else None)
        noise = any(x is not None and not measurable(x) for x in (o, b))
        row("6f", "per-route cost, %s, %s routes%s" % (kind, format(n, ","), " (within noise)" if noise else ""),
            "us", None, None, "ip -batch", "speedup", target, check, oobd_stats=o, base_stats=b,
            note="(T(N) - median T(0)) / N; oobd: " + ("its netlink phase (log)" if kind == "apply" else
                  "its reconcile phase (log); the config's parsing is in 6g") +
                 ("; too close to zero or too spread to judge by" if noise else ""))
pz = series("f6_r0_parse")
pp = {}
for n in (1000, 10000):
    v = series("f6_r%d_parse" % n)
    pp[n] = stats([(x - statistics.median(pz)) / n for x in v], 1e3) if v and pz else None
    check = target = None
    if n == 10000:
        target = "linear (<= 1.5x the cost at 1,000)"
        check = (lambda o_, b_, r_, p=pp[1000]: o_["median"] <= 1.5 * p["median"] if measurable(p) else None)
    noise = pp[n] is not None and not measurable(pp[n])
    row("6g", "per-route cost, config check (oobd -t), %s routes%s" % (format(n, ","), " (within noise)" if noise else ""),
        "us", None, target=target,
        check=check, oobd_stats=pp[n], note="(T(N) - median T(0)) / N, T: oobd -t on the config")
row("7", "jump relay", "ms", None, status="not yet built")

# ---------------------------------------------------------------- output
m = meta
print()
print("oobd benchmarks, %s (UTC)" % m.get("date", "?"))
print("machine: %s CPU(s), %s, kernel %s, %s GiB; %s, iproute2 %s, iptables %s" % (
    m.get("nproc", "?"), m.get("cpu", "?"), m.get("kernel", "?"), m.get("memory_gib", "?"),
    m.get("openssh", "?"), m.get("iproute2", "?"), m.get("iptables", "?")))
print("oobd %s at %s%s; %s runs per figure unless shown; median [min-max]; run took %s s" % (
    m.get("oobd", "?"), m.get("commit", "?"), " (src/ modified)" if m.get("dirty", "0") not in ("", "0") else "",
    m.get("reps", "?"), m.get("elapsed_s", "?")))
print("load average (1, 5, 15 min) at start: %s, at end: %s" % (m.get("loadavg_start", "?"),
                                                              m.get("loadavg_end", "?")))
print()
hdr = ("#", "figure", "oobd", "baseline", "ratio", "target", "met")
lines = []
for r in rows:
    unit = r["unit"]
    if r["status"] in ("not yet built", "skipped"):
        o = r["status"]
    elif r["status"] == "not yet measurable":
        o = "not yet measurable"
    elif r["oobd"] is None and r["oobd_series"] is None:
        o = ""
    else:
        o = fmt_stats(r["oobd"], unit)
        if r["oobd"] and r["oobd"]["n"] != int(m.get("reps", "0") or 0):
            o += " n=%d" % r["oobd"]["n"]
    b = ""
    if r["baseline_name"] or r["baseline"]:
        b = "%s: %s" % (r["baseline_name"] or "", fmt_stats(r["baseline"], unit))
    if r["ratio"] is None:
        ra = ""
    elif r["ratio_kind"] == "overhead":
        ra = "%+.1f %s" % (r["ratio"], unit)
    else:
        ra = "%.2fx" % r["ratio"]
    met = {True: "yes", False: "NO", None: ""}[r["met"]]
    if r["target"] and r["met"] is None and not r["status"]:
        met = "n/a"
    if r["target"] and r["status"]:
        met = "-"
    lines.append((r["id"], r["name"], o, b, ra, r["target"] or "", met))
w = [max(len(str(x[i])) for x in lines + [hdr]) for i in range(len(hdr))]
print("  ".join(h.ljust(w[i]) for i, h in enumerate(hdr)).rstrip())
for x in lines:
    print("  ".join(str(c).ljust(w[i]) for i, c in enumerate(x)).rstrip())
print()
print("ratio: 'x' rows are baseline/oobd (higher: oobd faster) where the target is 'faster',")
print("otherwise oobd/baseline; see docs/performance.md for what each row measures.")
missed = [r for r in rows if r["met"] is False]
if missed:
    print("targets missed: " + "; ".join("%s %s" % (r["id"], r["name"].strip()) for r in missed))

allseries = {}
for fn in sorted(os.listdir(RES)):
    if fn.endswith(".series"):
        allseries[fn[:-7]] = series(fn[:-7])
with open(OUT, "w") as f:
    json.dump({"schema": 1, "meta": m, "firewall_applied_by_oobd": fw_applied, "figures": rows,
               "series": allseries}, f, indent=1, default=str)
print("json: %s" % OUT)
