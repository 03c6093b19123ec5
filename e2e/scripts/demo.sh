#!/usr/bin/env bash
# The main job: a local control plane with source-controller and kustomize-controller
# reconciling a sample Git repository, then a new commit rolling out.
# Extra arguments go to the demo (e.g. --exit, --overlay staging).
set -euo pipefail
cd "$(dirname "$0")/../.."
e2e/scripts/install-prereqs.sh >/dev/null
echo "► building the control plane binaries (first run only, cached in ~/.cache/flux-rs)"
FLUX_RS_TESTBINS=$(e2e/scripts/build-testbins.sh | tail -n 1)
export FLUX_RS_TESTBINS
echo "► building flux-rs"
cargo build -q -p flux-source-controller -p flux-kustomize-controller -p flux-e2e --bins
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
exec "$target/debug/demo" "$@"
