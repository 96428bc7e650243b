#!/bin/sh
# Measures the shipped models with sweetspot's own commands and prints the
# README's table: test top-1 from `sweetspot eval` (no preprocessing flags: the
# models carry theirs), parameters and MACs from `sweetspot inspect`, latency
# from `sweetspot bench` (batch 1, one thread), training time and peak memory
# from the cost files `sweetspot train` wrote.
#   usage: examples/fashion-mnist/measure.sh [SWEETSPOT_BINARY]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
B=${1:-build/release/apps/sweetspot/sweetspot}
D=/usr/share/datasets/fashion-mnist
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for model in cnn-nano resnet-small resnet-medium resnet-large resnet-large-pruned33; do
  "$B" eval "$here/$model.onnx" --data "$D/t10k" --json "$tmp/$model.eval.json" >/dev/null 2>&1
  "$B" inspect "$here/$model.onnx" --json "$tmp/$model.inspect.json" >/dev/null
  "$B" bench "$here/$model.onnx" --duration-s 1 --json "$tmp/$model.bench.json" -q
done
python3 - "$here" "$tmp" <<'PY'
import json, sys
here, tmp = sys.argv[1], sys.argv[2]
print("| model | test top-1 (95 % CI) | params | MACs / image | bench p50, batch 1 | epochs | train time | time / epoch | peak RSS |")
print("|---|---|---|---|---|---|---|---|---|")
for m in ["cnn-nano", "resnet-small", "resnet-medium", "resnet-large", "resnet-large-pruned33"]:
    ev = json.load(open(f"{tmp}/{m}.eval.json"))["metrics"]
    ins = json.load(open(f"{tmp}/{m}.inspect.json"))
    p50 = json.load(open(f"{tmp}/{m}.bench.json"))["results"][0]["single_stream"]["latency"]["summary_ms"]["p50"]
    cost = json.load(open(f"{here}/{m}.cost.json"))
    c, t = cost["cost"], cost["training"]
    ci = ev["top1_ci95"]
    print(f"| {m} | {100*ev['top1']:.2f} % ({100*ci[0]:.1f}-{100*ci[1]:.1f}) | {ins['param_count']:,} "
          f"| {ins['total_macs']/1e6:.2f} M | {p50:.3f} ms | {t['epochs_run']} | {c['wall_ms']/60000:.1f} min "
          f"| {c['mean_epoch_ms']/1000:.0f} s | {c['peak_rss_bytes']/2**20:.0f} MiB |")
PY
