#!/usr/bin/env bash
# Applies deploy/crds and every sample in this directory to a real kube-apiserver and checks
# that valid samples are accepted and each invalid sample is rejected with the error substring
# named on its first line (`# expect: ...`).
#
# Usage: e2e/testdata/crds/check-with-apiserver.sh <kubeconfig> [namespace]
set -euo pipefail

kubeconfig=${1:?usage: $0 <kubeconfig> [namespace]}
namespace=${2:-flux-api-samples}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
k() { kubectl --kubeconfig "$kubeconfig" "$@"; }

for crd in "$repo"/deploy/crds/*_*.yaml; do
  k apply --server-side --force-conflicts -f "$crd" >/dev/null
done
k wait --for=condition=Established --timeout=60s crd --all >/dev/null
k create namespace "$namespace" --dry-run=client -o yaml | k apply -f - >/dev/null

failures=0
for f in "$here"/valid/*.yaml; do
  if ! out=$(k apply --server-side -n "$namespace" -f "$f" 2>&1); then
    echo "FAIL valid sample rejected: ${f#"$repo"/}: $out"
    failures=$((failures + 1))
  fi
done
for f in "$here"/invalid/*.yaml; do
  expect=$(head -n1 "$f" | sed -e 's/^# expect: //')
  if out=$(k apply --server-side -n "$namespace" -f "$f" 2>&1); then
    echo "FAIL invalid sample accepted: ${f#"$repo"/}"
    failures=$((failures + 1))
  elif ! grep -qF -- "$expect" <<<"$out"; then
    echo "FAIL ${f#"$repo"/}: expected '$expect' in: $out"
    failures=$((failures + 1))
  fi
done
valid=$(ls "$here"/valid/*.yaml | wc -l)
invalid=$(ls "$here"/invalid/*.yaml | wc -l)
echo "$valid valid and $invalid invalid samples checked, $failures failure(s)"
[ "$failures" -eq 0 ]
