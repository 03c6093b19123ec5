#!/usr/bin/env bash
# Builds the test-only control-plane binaries from Kubernetes' published Go modules
# into a version-keyed cache outside the repository, skipping any that already exist.
# Prints the cache directory on stdout (last line).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
K8S_VERSION=v1.35.4
KWOK_VERSION=v0.8.0
REGISTRY_VERSION=v3.1.1 # keep in step with testbins/registry/go.mod
COSIGN_VERSION=v2.6.5
cache=${FLUX_RS_CACHE:-$HOME/.cache/flux-rs}
out="$cache/testbins/k8s-$K8S_VERSION-kwok-$KWOK_VERSION"
mkdir -p "$out"
export GOTOOLCHAIN=local GOFLAGS=-mod=readonly CGO_ENABLED=0

minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
ld="-s -w"
for kv in gitVersion=$K8S_VERSION gitMajor=1 gitMinor=$minor gitTreeState=clean buildDate=1970-01-01T00:00:00Z; do
  ld="$ld -X k8s.io/component-base/version.$kv -X k8s.io/client-go/pkg/version.$kv"
done

build() { # module-dir output package ldflags [output-dir]
  local dir=$1 name=$2 pkg=$3 flags=$4 dest=${5:-$out}
  if [ -x "$dest/$name" ]; then return 0; fi
  echo "building $name ($pkg)" >&2
  mkdir -p "$dest"
  (cd "$here/testbins/$dir" && go build -trimpath -ldflags "$flags" -o "$dest/$name.tmp" "$pkg")
  mv "$dest/$name.tmp" "$dest/$name"
}

build k8s etcd go.etcd.io/etcd/server/v3 "-s -w"
build k8s kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$ld"
build k8s kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager "$ld"
build k8s kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler "$ld"
build kwok kwok sigs.k8s.io/kwok/cmd/kwok "-s -w"
# The OCI registry for OCIRepository/Helm OCI tests lives in its own version-keyed directory
# and is linked next to the control-plane binaries, so one directory serves every fixture.
registry_dir="$cache/testbins/registry-$REGISTRY_VERSION"
build registry registry github.com/distribution/distribution/v3/cmd/registry "-s -w" "$registry_dir"
ln -sfn "$registry_dir/registry" "$out/registry"
# The real cosign CLI signs artifacts in the verification tests, so they prove compatibility
# with signatures cosign itself makes. `go install module@version` builds against cosign's own
# pinned go.sum, so no module directory of ours is needed.
cosign_dir="$cache/testbins/cosign-$COSIGN_VERSION"
if [ ! -x "$cosign_dir/cosign" ]; then
  echo "building cosign (github.com/sigstore/cosign/v2 $COSIGN_VERSION)" >&2
  tmp=$(mktemp -d "$cache/testbins/cosign-build.XXXXXX")
  GOBIN="$tmp" go install -trimpath -ldflags "-s -w" "github.com/sigstore/cosign/v2/cmd/cosign@$COSIGN_VERSION"
  mkdir -p "$cosign_dir"
  mv "$tmp/cosign" "$cosign_dir/cosign"
  rmdir "$tmp"
fi
ln -sfn "$cosign_dir/cosign" "$out/cosign"
echo "$out"
