"""Merges the benchmark parts into bench/results.{md,json} and applies the regression
limits. Every figure compares against a baseline measured in the same run (interleaved
rounds), so a slow or busy machine moves both sides. Each limit sits at 1.2× the
least favourable figure of three runs on an idle 2-core VM (bench/README.md); the short setting (CI: three
runs on a machine that is also building) widens timing limits by SHORT_WIDENING."""
import json
import os
import sys

work, out = sys.argv[1], sys.argv[2]
host = json.load(open(os.path.join(work, "host.json")))
bfc = json.load(open(os.path.join(work, "bfc.json")))
pve = json.load(open(os.path.join(work, "proxmox.json")))
lxc = json.load(open(os.path.join(work, "lxc.json")))

rows = []  # (figure, value, target, regression limit, within the limit)
short = os.environ.get("BENCH_SHORT") == "1"
SHORT_WIDENING = 1.25
wide = SHORT_WIDENING if short else 1.0


def at_most(figure, value, target, measured, fmt="{:.3f}"):
    """A figure where lower is better: the limit is 1.2× what was measured."""
    limit = measured * 1.2 * wide
    rows.append((figure, fmt.format(value), target, "≤ " + fmt.format(limit), value <= limit))


def at_least(figure, value, target, measured, fmt="{:.3f}"):
    """A figure where higher is better: the limit is what was measured / 1.2."""
    limit = measured / 1.2 / wide
    rows.append((figure, fmt.format(value), target, "≥ " + fmt.format(limit), value >= limit))


def info(figure, value, fmt="{:.3f}"):
    rows.append((figure, fmt.format(value), "", "", True))


# The host against plain crun (the measured figures are in bench/README.md).
at_most("create→start→delete, host+crun / crun", host["cycle_ratio"], "≤ 1.10", 1.51)
info("create→start→delete, crun behind `timeout` / crun (what any process in between "
     "costs here)", host["cycle_ratio_timeout"])
at_most("run `true`, host+crun / crun run", host["run_ratio"], "≤ 1.10", 1.62)
info("crun run of `true` (the baseline)", host["crun_run_ms"], "{:.1f} ms")
for n, target, measured in (("0", "", 1.8), ("10", "", 1.85), ("100", "≤ 1.5", 1.7)):
    at_most(f"list at {n} containers, host / crun list", host["list_ratio"][n], target, measured)
    info(f"crun list at {n} containers (the baseline)", host["crun_list_ms"][n], "{:.1f} ms")
at_most("state, host+crun / crun", host["state_ratio"], "", 1.8)
at_most("kill, host+crun / crun", host["kill_ratio"], "", 1.8)
at_most("delete, host+crun / crun", host["delete_ratio"], "", 1.25)
at_most("host's own time: state on noop, minus `true`", host["own_ms_state"], "< 1 ms", 1.0,
        "{:.2f} ms")
at_most("host's own time: list on noop, minus `true`", host["own_ms_list"], "< 1 ms", 0.95,
        "{:.2f} ms")
disc = host["discovery_ms"]
at_most("plugins with 6 files", disc["plugins, 6 files"], "< 5 ms", 3.2, "{:.2f} ms")
info("plugins with 1 file", disc["plugins, 1 file"], "{:.2f} ms")
at_most("plugins with 24 files (18 of them duplicates of the 6)", disc["plugins, 24 files"], "",
        3.3, "{:.2f} ms")
info("--version with 6 files", disc["version flag, 6 files"], "{:.2f} ms")
at_most("max RSS of `state` (8 plugins installed)", host["max_rss_kb"], "", 5600, "{:.0f} KiB")

# The lxc backend against LXC's own lxc-execute.
info("lxc-execute of `true` (the baseline)", lxc["lxc_execute_ms"], "{:.1f} ms")
at_most("run `true`, host --backend lxc / lxc-execute", lxc["run_ratio"], "≤ 1.3", 2.0)
at_most("create→start→delete, host --backend lxc / lxc-execute", lxc["cycle_ratio"], "", 2.6)

# BFC against the reference bfc and against tar | zstd -T0 (time ratios: theirs / ours,
# so above 1 means BFC is faster).
measured_ref = {("small", "create"): 3.2, ("small", "extract"): 1.3, ("large", "create"): 1.4,
                ("large", "extract"): 2.1, ("gib", "create"): 1.6, ("gib", "extract"): 1.0}
measured_tar = {("small", "create"): 0.91, ("small", "extract"): 0.8, ("small", "verify"): 0.6,
                ("large", "create"): 0.95, ("large", "extract"): 1.65, ("large", "verify"): 0.89}
names = {"small": "4000 small files", "large": "2 × 48 MiB", "gib": "one 1 GiB file"}
for f in bfc["figures"]:
    key = (f["set"], f["op"])
    what = f"BFC {f['op']}, {names[f['set']]} ({f['bfc_mb_s']:.0f} MB/s)"
    if key in measured_ref:
        if "ref_ratio" in f:
            at_least(f"{what}: reference time / BFC time ({f['ref_mb_s']:.0f} MB/s)",
                     f["ref_ratio"], "≥ 1", measured_ref[key])
        else:
            rows.append((f"{what}: reference time / BFC time", "skipped: no reference bfc",
                         "≥ 1", "", True))
    if key in measured_tar and "tar_ratio" in f:
        target = "≥ 1" if f["op"] == "create" else ""
        at_least(f"{what}: tar+zstd -T0 time / BFC time ({f['tar_zstd_mb_s']:.0f} MB/s)",
                 f["tar_ratio"], target, measured_tar[key])
for s, ratio in bfc["size_ratio"].items():
    rows.append((f"BFC archive size / reference's, {names[s]}", f"{ratio:.4f}", "≤ 1.02",
                 "≤ 1.02", ratio <= 1.02))
if not bfc["size_ratio"]:
    rows.append(("BFC archive size / reference's", "skipped: no reference bfc", "≤ 1.02", "",
                 True))
rows.append(("BFC create memory, 4× the data / 1×", f"{bfc['rss_growth']:.3f}", "flat",
             "≤ 1.2", bfc["rss_growth"] <= 1.2))

# Request counts are exact: one request more than the minimum fails the check.
for op in pve["operations"]:
    rows.append((f"Proxmox LXC {op['op']}: {op['requests']} requests, minimum {op['minimum']}",
                 f"{op['ratio']:.3f}", "1", "= 1", op["ratio"] <= 1.0))
at_most(f"Proxmox LXC cycle at {pve['latency_ms']} ms/request, wall / (minimum requests × "
        "latency)", pve["cycle_wall_ratio"], "", 1.55)

lines = ["| figure | value | target | regression limit | within limit |", "|---|---|---|---|---|"]
lines += [f"| {f} | {v} | {t} | {l} | {'yes' if ok else '**NO**'} |" for f, v, t, l, ok in rows]
open(out + ".md", "w").write("\n".join(lines) + "\n")
json.dump({"host": host, "bfc": bfc, "proxmox": pve, "lxc": lxc,
           "checks": [{"figure": f, "value": v, "target": t, "limit": l, "ok": ok}
                      for f, v, t, l, ok in rows]},
          open(out + ".json", "w"), indent=2)
print("\n".join(lines))
failed = [f for f, _, _, _, ok in rows if not ok]
if failed:
    print(f"regression check failed: {', '.join(failed)}", file=sys.stderr)
sys.exit(1 if failed else 0)
