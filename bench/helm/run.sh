#!/usr/bin/env bash
# Helm engine benchmark: flux-helm (the `helm_template` example: the engine behind a minimal
# driver) against the real `helm template` on the same machine in the same run, on (1) the
# whole shared corpus (../shared/corpus/helm, one process per case, error cases included)
# and (2) its largest chart (kube-prometheus-stack, ci-03 values, ~670 KB of output).
# bench/helm/measure.py times every render as one process (wall, CPU, peak RSS), the tools
# alternating render by render; each case's number is the median of RUNS renders.
# HELM is the oracle (default: helm v4.2.3 from the PyPI wheel named in
# ../shared/corpus/helm/README.md, else the machine's helm). FLUX_RS, if set to a flux-rs
# binary, is measured too (`flux-rs helm template`, the same engine behind the whole CLI).
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"
helm="${HELM:-$HOME/.cache/flux-rs/oracle/layer/helm/helm}"
[ -x "$helm" ] || helm=$(command -v helm)
runs="${RUNS:-5}"
large_runs="${LARGE_RUNS:-21}"
# Statically linked (as Go links helm): no dynamic loader or relocations at start-up. With
# --target, RUSTFLAGS leave build scripts and proc-macros alone.
host=$(rustc -vV | sed -n 's/^host: //p')
RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static" \
  cargo build -q --release --target "$host" -p flux-helm --example helm_template
ours="$(cd "$target" && pwd)/$host/release/examples/helm_template"
tools=("ours:$ours" "helm:$helm")
[ -z "${FLUX_RS:-}" ] || tools+=("flux-rs:$(realpath "$FLUX_RS")")
corpus=$(cd ../shared/corpus/helm && pwd)
large=prometheus-community-kube-prometheus-stack--ci-03-non-defaults-values
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "oracle: $helm ($("$helm" version --short 2>/dev/null)); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
OUT_DIR="$work" python3 bench/helm/measure.py "$corpus" "$runs" "${tools[@]}" > "$work/corpus.json"
OUT_DIR="$work" ONLY="$large" python3 bench/helm/measure.py "$corpus" "$large_runs" "${tools[@]}" > "$work/large.json"
python3 - "$work/corpus.json" "$work/large.json" "$runs" "$large_runs" <<'PY'
import json, sys
corpus, large = (json.load(open(p)) for p in sys.argv[1:3])
names = {"ours": "flux-helm", "helm": "helm template", "flux-rs": "flux-rs helm template"}
n = len(next(iter(corpus.values()))["cases"])
print(f"\ncorpus: {n} cases, one process each, median of {sys.argv[3]} renders per case, summed;")
print(f"kube-prometheus-stack: median of {sys.argv[4]} renders; peak RSS is the largest process\n")
print("| workload | tool | wall | CPU (user+sys) | peak RSS |")
print("|---|---|---|---|---|")
for label, data in (("corpus", corpus), ("kube-prometheus-stack", large)):
    for tool, t in data.items():
        print(f"| {label} | {names[tool]} | {t['wall']*1000:.1f} ms | {t['cpu']*1000:.1f} ms | {t['rss']/1024:.1f} MiB |")
h = corpus["helm"]; o = corpus["ours"]; hl = large["helm"]; ol = large["ours"]
print(f"\ncorpus: {h['wall']/o['wall']:.1f}x faster (wall), {h['cpu']/o['cpu']:.1f}x less CPU, "
      f"{100*o['rss']/h['rss']:.0f}% of helm's peak memory")
print(f"kube-prometheus-stack: {hl['wall']/ol['wall']:.1f}x faster (wall), {hl['cpu']/ol['cpu']:.1f}x less CPU, "
      f"{100*ol['rss']/hl['rss']:.0f}% of helm's peak memory")
PY
if cmp -s "$work/ours.out" "$work/helm.out"; then
  echo "kube-prometheus-stack: outputs are byte-identical"
else
  echo "kube-prometheus-stack: outputs differ in bytes (the corpus test compares them as data)"
fi
