#!/usr/bin/env bash
# kustomize-controller benchmark after fluxcd/flux-benchmark's Kustomization scenario:
# N Kustomizations (default 100) of 4 objects each (ServiceAccount, Service, Deployment with
# replicas ${PODS:=0}, Ingress), all impersonating ServiceAccount `flux`, prune + wait,
# postBuild substitution, in one namespace; measures the time until all are Ready, the
# controller's peak RSS and CPU seconds, and the API server requests. Starts its own local
# control plane (flux-testkit); needs the testbins (e2e/scripts/build-testbins.sh).
# Usage: bench/kustomize-controller/run.sh --count 1000
# FLUX_RS_KCM_KUBE_API_QPS=200 raises the test cluster's kube-controller-manager rate limit
# (default 20 QPS), which otherwise bounds how fast the Deployments become Current.
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"
# As the deployment manifest sets it (deploy/kustomize-controller/deployment.yaml).
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
cargo build --release -p flux-kustomize-controller --bin kustomize-controller
cargo build -p flux-kustomize-controller --example kustomize-bench-driver
"$target/debug/examples/kustomize-bench-driver" --controller "$target/release/kustomize-controller" "$@"
