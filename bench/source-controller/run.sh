#!/usr/bin/env bash
# source-controller benchmark: 100 GitRepositories on one repository (time to all Ready,
# peak RSS, CPU seconds) and a large repository's fetch time against `git clone --depth 1`.
# Starts its own local control plane (flux-testkit) and Git server; needs the testbins
# (e2e/scripts/build-testbins.sh). Extra arguments go to the driver, e.g. --count 200.
# OCIRepositories instead (flux-benchmark's scenario, local registry):
#   bench/source-controller/run.sh --scenario oci --count 1000
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"
# As the deployment manifests set it (deploy/*/deployment.yaml).
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
cargo build --release -p flux-source-controller --bin source-controller
cargo build -p flux-source-controller --example bench-driver
"$target/debug/examples/bench-driver" --controller "$target/release/source-controller" "$@"
