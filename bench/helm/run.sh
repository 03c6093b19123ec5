#!/usr/bin/env bash
# Helm engine benchmark: flux-helm (the `helm_template` example: the engine behind a minimal
# driver) against the real `helm template` on the same machine in the same run, on (1) the
# whole shared corpus (../shared/corpus/helm, one process per case, error cases included)
# and (2) its largest chart (kube-prometheus-stack, ci-03 values, ~670 KB of output).
# Reports wall time, CPU (user+sys) and peak RSS; every measurement is the median of RUNS.
# HELM is the oracle (default: helm v4.2.3 from the PyPI wheel named in
# ../shared/corpus/helm/README.md, else the machine's helm). FLUX_RS, if set to a flux-rs
# binary, is measured too (`flux-rs helm template`, the same engine behind the whole CLI).
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"
helm="${HELM:-$HOME/.cache/flux-rs/oracle/layer/helm/helm}"
[ -x "$helm" ] || helm=$(command -v helm)
runs="${RUNS:-5}"
cargo build -q --release -p flux-helm --example helm_template
# Absolute paths: every render runs from its case directory.
ours="$(cd "$target" && pwd)/release/examples/helm_template"
flux_rs="${FLUX_RS:-}"
[ -z "$flux_rs" ] || flux_rs=$(realpath "$flux_rs")
corpus=$(cd ../shared/corpus/helm && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# "dir chart values extra_args..." per case, from case.json.
python3 - "$corpus" > "$work/cases" <<'PY'
import glob, json, os, sys
for case in sorted(glob.glob(os.path.join(sys.argv[1], "*/case.json"))):
    c = json.load(open(case))
    vals = " ".join(f"-f {v}" for v in c["values_files"])
    print(os.path.dirname(case), c["chart"], vals, " ".join(c["extra_args"]))
PY

run_tool() { # tool dir chart args...: one render, output to $work/out
  local tool=$1 dir=$2 chart=$3
  shift 3
  cd "$dir"
  case "$tool" in
    ours) "$ours" "$chart" -n corpus "$@" ;;
    flux-rs) "$flux_rs" helm template conformance "$chart" -n corpus --kube-version v1.33.0 "$@" ;;
    helm) "$helm" template conformance "$chart" --namespace corpus --kube-version v1.33.0 "$@" ;;
  esac
}
corpus_loop() { # tool
  local dir chart rest
  while read -r dir chart rest; do
    # shellcheck disable=SC2086
    (run_tool "$1" "$dir" "$chart" $rest) > /dev/null 2>&1 || true
  done < "$work/cases"
}
export -f run_tool corpus_loop
export ours helm flux_rs work

measure() { # command...: prints "wall cpu rss_kib" (median of $runs runs)
  local i
  for i in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" > "$work/out" 2>/dev/null || true
    # (time prints "Command exited with non-zero status" first when the command fails)
    tail -n 1 "$work/time" | awk '{printf "%.3f %.3f %d\n", $1, $2 + $3, $4}'
  done | sort -n | awk -v n="$runs" '{w[NR]=$1; c[NR]=$2; m[NR]=$3}
    END {m2 = int((n + 1) / 2); printf "%s %s %s\n", w[m2], c[m2], m[m2]}'
}
row() { # label tool-label command...
  local label=$1 tool=$2
  shift 2
  read -r wall cpu rss < <(measure "$@")
  printf "| %s | %s | %s s | %s s | %.1f MiB |\n" "$label" "$tool" "$wall" "$cpu" "$(echo "$rss / 1024" | bc -l)"
}

large="$corpus/prometheus-community-kube-prometheus-stack--ci-03-non-defaults-values"
echo "oracle: $helm ($("$helm" version --short 2>/dev/null)); $runs runs each, medians"
echo "corpus: $(wc -l < "$work/cases") cases, one process per case; RSS is the largest process"
echo
echo "| case | tool | wall | CPU (user+sys) | peak RSS |"
echo "|---|---|---|---|---|"
row "corpus" flux-helm bash -c 'corpus_loop ours'
row "corpus" "helm template" bash -c 'corpus_loop helm'
[ -n "$flux_rs" ] && row "corpus" "flux-rs helm template" bash -c 'corpus_loop flux-rs'
row "kube-prometheus-stack" flux-helm bash -c "run_tool ours '$large' ../charts/prometheus-community-kube-prometheus-stack -f values.yaml"
cp "$work/out" "$work/ours.yaml"
row "kube-prometheus-stack" "helm template" bash -c "run_tool helm '$large' ../charts/prometheus-community-kube-prometheus-stack -f values.yaml"
cp "$work/out" "$work/helm.yaml"
[ -n "$flux_rs" ] && row "kube-prometheus-stack" "flux-rs helm template" bash -c "run_tool flux-rs '$large' ../charts/prometheus-community-kube-prometheus-stack -f values.yaml"
# /usr/bin/time has 10 ms resolution: ten renders in a row give the finer number.
ten() { # tool
  local i
  for i in 1 2 3 4 5 6 7 8 9 10; do
    run_tool "$1" "$large" ../charts/prometheus-community-kube-prometheus-stack -f values.yaml > /dev/null
  done
}
export -f ten
export large
row "kube-prometheus-stack, 10 renders in a row" flux-helm bash -c 'ten ours'
row "kube-prometheus-stack, 10 renders in a row" "helm template" bash -c 'ten helm'
row "start-up only (missing chart)" flux-helm "$ours" /nonexistent
row "start-up only (missing chart)" "helm template" "$helm" template x /nonexistent
echo
if cmp -s "$work/ours.yaml" "$work/helm.yaml"; then
  echo "kube-prometheus-stack: outputs are byte-identical"
else
  echo "kube-prometheus-stack: outputs differ in bytes (the corpus test compares them as data)"
fi
