//! helm-controller: HelmReleases rendered and applied.
