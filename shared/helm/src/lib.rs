//! Pure Helm chart engine: chart loading, values coalescing and Go template rendering.
