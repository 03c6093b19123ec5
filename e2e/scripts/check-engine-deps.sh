#!/usr/bin/env bash
# The engines are pure libraries: none may depend on the kube client or runtime.
set -euo pipefail
cd "$(dirname "$0")/../.."
status=0
for engine in flux-kustomize flux-cel flux-kustomization flux-helm flux-artifact flux-git flux-semver flux-oci flux-helmrepo flux-bucket; do
  if cargo tree -p "$engine" -e normal --prefix none --locked 2>/dev/null | grep -Eq '^(kube|kube-client|kube-runtime|flux-runtime) '; then
    echo "$engine depends on the Kubernetes client or the controller runtime" >&2
    status=1
  fi
done
exit $status
