//! Pure kustomize build engine: a kustomization directory to an ordered list of objects.
