#!/usr/bin/env bash
# BFC create / extract / verify throughput against tar + zstd at the same level, on many
# small files and on large files, and the archiver's memory as the archive grows.
# Usage: bench/bfc.sh WORKDIR HOST-BIN PLUGIN-DIR RUNS   (writes WORKDIR/bfc.json)
set -euo pipefail
work=$1 bin=$2 plugins=$3 runs=$4
level=3
b="$bin --plugin-dir $plugins"
d="$work/bfc"
rm -rf "$d" && mkdir -p "$d"

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

hf() { hyperfine -N --warmup 1 --runs "$runs" --export-json "$1" "${@:2}" >/dev/null 2>&1; }
for set in small large; do
  s="$d/$set"
  hf "$d/$set-create.json" \
    -n bfc "$b bfc create -c zstd -l $level -f $s/out.bfc $s/tree" \
    -n tar "sh -c 'tar -C $s -cf - tree | zstd -$level -q -f -o $s/out.tar.zst'"
  hf "$d/$set-extract.json" \
    -n bfc "sh -c 'rm -rf $s/x && mkdir $s/x && $b bfc extract $s/out.bfc -C $s/x'" \
    -n tar "sh -c 'rm -rf $s/y && mkdir $s/y && zstd -dcq $s/out.tar.zst | tar -C $s/y -xf -'"
  hf "$d/$set-verify.json" \
    -n bfc "$b bfc verify --deep $s/out.bfc" \
    -n tar "zstd -tq $s/out.tar.zst"
  diff -r "$s/tree" "$s/x/tree" >/dev/null || { echo "bfc extract of $set differs from its input" >&2; exit 1; }
done

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
for s in ("small", "large"):
    mb = tree_bytes(f"{d}/{s}/tree") / 1e6
    for op in ("create", "extract", "verify"):
        res = {r["command"]: r["median"] for r in json.load(open(f"{d}/{s}-{op}.json"))["results"]}
        figures.append({"name": f"bfc {op}, {s} files", "bfc_mb_s": mb / res["bfc"],
                        "tar_zstd_mb_s": mb / res["tar"], "ratio": res["tar"] / res["bfc"]})
json.dump({"figures": figures, "rss_kb_1x": rss1, "rss_kb_4x": rss4,
           "rss_growth": rss4 / rss1}, open(out, "w"), indent=2)
PY
