#!/usr/bin/env bash
# Kustomize engine benchmark: flux-rs kustomize build against the real kustomize on the
# same machine in the same run, on (1) the whole shared corpus and (2) a generated overlay
# of 4,050 resources with generators and patches. Reports wall time and peak RSS.
# KUSTOMIZE_CMD is the oracle (default: kubectl v1.36.3 = kustomize v5.8.1 from the PyPI
# wheel named in ../shared/corpus/kustomize/README.md, else the machine's kubectl).
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"
oracle="${KUSTOMIZE_CMD:-$HOME/.cache/flux-rs/oracle/layer/kubectl/kubectl}"
[ -x "$oracle" ] || oracle=$(command -v kubectl)
cargo build -q --release -p flux-cli --bin flux-rs
ours="$target/release/flux-rs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

measure() { # label command... ; prints "seconds max_rss_kib" of the whole command
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/out" 2>/dev/null || true
  cat "$work/time"
}

corpus_loop() { # tool: ours|oracle; reads "dir load_restrictor" lines from $work/cases
  local tool=$1 dir lr
  while read -r dir lr; do
    if [ "$tool" = ours ]; then
      "$ours" kustomize build "$dir" --load-restrictor "$lr" >/dev/null 2>&1 || true
    else
      "$oracle" kustomize "$dir" --load-restrictor "$lr" >/dev/null 2>&1 || true
    fi
  done < "$work/cases"
}
export -f corpus_loop
export ours oracle work
python3 - "$work/cases" <<'PY'
import glob, json, os, sys
with open(sys.argv[1], "w") as out:
    for case in sorted(glob.glob("../shared/corpus/kustomize/*/case.json")):
        c = json.load(open(case))
        out.write(f"{os.path.join(os.path.dirname(case), c['dir'])} {c['load_restrictor']}\n")
PY

echo "oracle: $oracle ($("$oracle" version --client 2>/dev/null | grep -i kustomize || true))"
echo "corpus ($(ls -d ../shared/corpus/kustomize/*/ | wc -l) cases, one process per build):"
echo "  flux-rs: $(measure bash -c 'corpus_loop ours')  (seconds, peak RSS KiB of the largest process)"
echo "  kustomize: $(measure bash -c 'corpus_loop oracle')"
python3 bench/kustomize/gen_overlay.py "$work/large" 2000
echo "large overlay (2000 Deployments + 2000 Services + 50 generated ConfigMaps = 4050 resources):"
echo "  flux-rs: $(measure "$ours" kustomize build "$work/large/overlay")"
cp "$work/out" "$work/ours.yaml"
echo "  kustomize: $(measure "$oracle" kustomize "$work/large/overlay")"
if cmp -s "$work/out" "$work/ours.yaml"; then echo "  outputs are byte-identical"; else echo "  OUTPUTS DIFFER"; fi
