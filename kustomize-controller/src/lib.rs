//! kustomize-controller: Kustomizations built and applied with server-side apply.
