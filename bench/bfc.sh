#!/usr/bin/env bash
# BFC against the reference C bfc (when one is installed) and against `tar | zstd -T0`:
# create / extract / verify of many small files and of large files at the reference's
# level (zstd 3), create / extract of one 1 GiB file at the reference's default (no
# compression), archive sizes, and the archiver's memory as the archive grows.
# Writeback is flushed before every timed extract, so one run's dirty pages are not
# written during the next.
# Usage: bench/bfc.sh WORKDIR HOST-BIN PLUGIN-DIR RUNS   (writes WORKDIR/bfc.json)
# The reference is $BFC_REFERENCE, else ../shared/reference/tools/bfc next to this
# checkout; it needs Debian's libzstd1 and libsodium23.
set -euo pipefail
work=$1 bin=$2 plugins=$3 runs=$4
level=3
b="$bin --plugin-dir $plugins"
d="$work/bfc"
rm -rf "$d" && mkdir -p "$d"
ref=${BFC_REFERENCE:-$PWD/../shared/reference/tools/bfc}
if [ -x "$ref" ] && "$ref" --version >/dev/null 2>&1; then
  echo "reference bfc: $ref" >&2
else
  echo "no runnable reference bfc ($ref): its comparisons are reported as skipped" >&2
  ref=""
fi

echo "making the test data (4000 small files, 2 × 48 MiB, one 1 GiB file)" >&2
# Many small files: 40 dirs × 100 files of 1–4 KiB of text (compressible like configs).
python3 - "$d/small/tree" <<'PY'
import os, random, sys
root = sys.argv[1]; random.seed(7)
words = [w.encode() for w in "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split()]
for i in range(40):
    os.makedirs(f"{root}/d{i}", exist_ok=True)
    for j in range(100):
        n = random.randint(1024, 4096)
        data = b" ".join(random.choice(words) for _ in range(n // 5))[:n]
        open(f"{root}/d{i}/f{j}.txt", "wb").write(data)
PY
# Large files: 2 × 48 MiB, half random, half repetitive.
mkdir -p "$d/large/tree"
for i in 1 2; do
  head -c $((24 << 20)) /dev/urandom > "$d/large/tree/big$i"
  python3 -c "import sys; sys.stdout.write(('large file line $i\n' * (1 << 21))[:24 << 20])" >> "$d/large/tree/big$i"
done
# One 1 GiB file, random (stored as it is, as the reference stores by default).
mkdir -p "$d/gib/tree"
head -c $((1 << 30)) /dev/urandom > "$d/gib/tree/one"
sync

hf() { hyperfine -N --warmup 1 --runs "$1" --export-json "$2" "${@:3}" >/dev/null 2>&1; }
# Before a timed extract: an empty target, and nothing left to write back.
fresh() { echo "sh -c 'rm -rf $1 && mkdir $1 && sync'"; }
for set in small large; do
  s="$d/$set"
  cmds=(-n bfc "$b bfc create -c zstd -l $level -f $s/out.bfc $s/tree"
        -n tar "sh -c 'tar -C $s -cf - tree | zstd -$level -T0 -q -f -o $s/out.tar.zst'")
  [ -n "$ref" ] && cmds+=(-n ref "$ref -q create -f -c zstd -l $level $s/ref.bfc $s/tree")
  hf "$runs" "$d/$set-create.json" "${cmds[@]}"
  cmds=(--prepare "$(fresh "$s/x")" -n bfc "$b bfc extract $s/out.bfc -C $s/x"
        --prepare "$(fresh "$s/y")" -n tar "sh -c 'zstd -dcq $s/out.tar.zst | tar -C $s/y -xf -'")
  [ -n "$ref" ] && cmds+=(--prepare "$(fresh "$s/z")" -n ref "$ref -q extract -k -C $s/z $s/ref.bfc")
  hf "$runs" "$d/$set-extract.json" "${cmds[@]}"
  # The reference's deep verify fails on zstd archives (even its own): zstd -t is the
  # baseline.
  hf "$runs" "$d/$set-verify.json" \
    -n bfc "$b bfc verify --deep $s/out.bfc" \
    -n tar "zstd -tq $s/out.tar.zst"
  diff -r "$s/tree" "$s/x/tree" >/dev/null || { echo "bfc extract of $set differs from its input" >&2; exit 1; }
done
# The 1 GiB file: fewer runs (each writes a GiB).
s="$d/gib"
gib_runs=$(( runs < 5 ? runs : 5 ))
cmds=(--prepare "sync" -n bfc "$b bfc create -f $s/out.bfc $s/tree")
[ -n "$ref" ] && cmds+=(--prepare "sync" -n ref "$ref -q create -f $s/ref.bfc $s/tree")
hf "$gib_runs" "$d/gib-create.json" "${cmds[@]}"
cmds=(--prepare "$(fresh "$s/x")" -n bfc "$b bfc extract $s/out.bfc -C $s/x")
[ -n "$ref" ] && cmds+=(--prepare "$(fresh "$s/z")" -n ref "$ref -q extract -k -C $s/z $s/ref.bfc")
hf "$gib_runs" "$d/gib-extract.json" "${cmds[@]}"
cmp "$s/tree/one" "$s/x/tree/one" || { echo "bfc extract of the 1 GiB file differs" >&2; exit 1; }
rm -rf "$s/x" "$s/z"

# Memory as the archive grows: one large file, then four times as much.
mkdir -p "$d/grow1/tree" "$d/grow4/tree"
cp "$d/large/tree/big1" "$d/grow1/tree/"
for i in 1 2 3 4; do cp "$d/large/tree/big1" "$d/grow4/tree/big$i"; done
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
rss1=$(rss $b bfc create -c zstd -l $level -f "$d/grow1.bfc" "$d/grow1/tree")
rss4=$(rss $b bfc create -c zstd -l $level -f "$d/grow4.bfc" "$d/grow4/tree")

python3 - "$d" "$rss1" "$rss4" "$work/bfc.json" <<'PY'
import json, os, sys
d, rss1, rss4, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def tree_bytes(p):
    return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(p) for f in fs)
figures = []
for s, ops in (("small", ("create", "extract", "verify")), ("large", ("create", "extract", "verify")),
               ("gib", ("create", "extract"))):
    mb = tree_bytes(f"{d}/{s}/tree") / 1e6
    for op in ops:
        # A GiB goes through the page cache and the disk: the machine's own writeback
        # makes single runs vary by 5×, so that set compares each side's fastest run.
        stat = "min" if s == "gib" else "median"
        res = {r["command"]: r[stat] for r in json.load(open(f"{d}/{s}-{op}.json"))["results"]}
        f = {"set": s, "op": op, "bfc_mb_s": mb / res["bfc"]}
        if "tar" in res:
            f["tar_zstd_mb_s"] = mb / res["tar"]
            f["tar_ratio"] = res["tar"] / res["bfc"]
        if "ref" in res:
            f["ref_mb_s"] = mb / res["ref"]
            f["ref_ratio"] = res["ref"] / res["bfc"]
        figures.append(f)
sizes = {}
for s in ("small", "large"):
    if os.path.exists(f"{d}/{s}/ref.bfc"):
        sizes[s] = os.path.getsize(f"{d}/{s}/out.bfc") / os.path.getsize(f"{d}/{s}/ref.bfc")
json.dump({"figures": figures, "size_ratio": sizes, "rss_kb_1x": rss1, "rss_kb_4x": rss4,
           "rss_growth": rss4 / rss1}, open(out, "w"), indent=2)
PY
rm -rf "$d/gib"
