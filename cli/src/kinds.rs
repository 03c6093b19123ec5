//! The Flux kinds the CLI works with: API coordinates, the words Flux uses for them on the
//! command line, and the columns `get` shows.

use flux_api::constants::{
    HELM_GROUP, IMAGE_GROUP, KUSTOMIZE_GROUP, NOTIFICATION_GROUP, SOURCE_GROUP,
};
use kube::discovery::ApiResource;

/// What `get` shows between NAME and READY for a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Columns {
    /// REVISION and SUSPENDED (sources, appliers).
    RevisionSuspended,
    /// SUSPENDED only (alerts, receivers).
    Suspended,
    /// Nothing (providers).
    None,
    /// LAST SCAN and SUSPENDED (image repositories).
    LastScan,
    /// IMAGE and TAG (image policies).
    LatestImage,
    /// LAST RUN and SUSPENDED (image update automations).
    LastRun,
}

/// One Flux kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FluxKind {
    /// Kind, e.g. `GitRepository`.
    pub kind: &'static str,
    /// API group.
    pub group: &'static str,
    /// Served version.
    pub version: &'static str,
    /// Resource plural.
    pub plural: &'static str,
    /// The noun Flux prints in messages, e.g. `source git`, `kustomization`.
    pub noun: &'static str,
    /// `get` columns.
    pub columns: Columns,
    /// Whether the kind has `.spec.suspend`.
    pub suspendable: bool,
    /// Whether the kind has a status a controller reconciles (Alert/Provider do not).
    pub reconcilable: bool,
}

impl FluxKind {
    /// `group/version`.
    pub fn api_version(&self) -> String {
        format!("{}/{}", self.group, self.version)
    }

    /// kube's dynamic resource description.
    pub fn api_resource(&self) -> ApiResource {
        ApiResource {
            group: self.group.to_string(),
            version: self.version.to_string(),
            api_version: self.api_version(),
            kind: self.kind.to_string(),
            plural: self.plural.to_string(),
        }
    }

    /// Finds a kind by its Kind name (case-insensitive), plural or short name.
    pub fn lookup(name: &str) -> Option<FluxKind> {
        let lower = name.to_ascii_lowercase();
        ALL.iter()
            .find(|k| {
                k.kind.eq_ignore_ascii_case(&lower)
                    || k.plural == lower
                    || short_names(k.kind).contains(&lower.as_str())
            })
            .copied()
    }
}

fn short_names(kind: &str) -> &'static [&'static str] {
    match kind {
        "GitRepository" => &["gitrepo"],
        "OCIRepository" => &["ocirepo"],
        "HelmRepository" => &["helmrepo"],
        "HelmChart" => &["hc"],
        "Kustomization" => &["ks"],
        "HelmRelease" => &["hr"],
        "ImageRepository" => &["imgrepo", "imagerepo"],
        "ImagePolicy" => &["imgpol", "imagepol"],
        "ImageUpdateAutomation" => &["iua", "imgupd", "imgauto"],
        _ => &[],
    }
}

macro_rules! kind {
    ($const:ident, $kind:literal, $group:expr, $version:literal, $plural:literal, $noun:literal, $cols:ident, $susp:literal, $rec:literal) => {
        #[doc = concat!("The ", $kind, " kind.")]
        pub const $const: FluxKind = FluxKind {
            kind: $kind,
            group: $group,
            version: $version,
            plural: $plural,
            noun: $noun,
            columns: Columns::$cols,
            suspendable: $susp,
            reconcilable: $rec,
        };
    };
}

kind!(
    GIT_REPOSITORY,
    "GitRepository",
    SOURCE_GROUP,
    "v1",
    "gitrepositories",
    "source git",
    RevisionSuspended,
    true,
    true
);
kind!(
    OCI_REPOSITORY,
    "OCIRepository",
    SOURCE_GROUP,
    "v1",
    "ocirepositories",
    "source oci",
    RevisionSuspended,
    true,
    true
);
kind!(
    HELM_REPOSITORY,
    "HelmRepository",
    SOURCE_GROUP,
    "v1",
    "helmrepositories",
    "source helm",
    RevisionSuspended,
    true,
    true
);
kind!(
    HELM_CHART,
    "HelmChart",
    SOURCE_GROUP,
    "v1",
    "helmcharts",
    "source chart",
    RevisionSuspended,
    true,
    true
);
kind!(
    BUCKET,
    "Bucket",
    SOURCE_GROUP,
    "v1",
    "buckets",
    "source bucket",
    RevisionSuspended,
    true,
    true
);
kind!(
    KUSTOMIZATION,
    "Kustomization",
    KUSTOMIZE_GROUP,
    "v1",
    "kustomizations",
    "kustomization",
    RevisionSuspended,
    true,
    true
);
kind!(
    HELM_RELEASE,
    "HelmRelease",
    HELM_GROUP,
    "v2",
    "helmreleases",
    "helmrelease",
    RevisionSuspended,
    true,
    true
);
kind!(
    ALERT,
    "Alert",
    NOTIFICATION_GROUP,
    "v1beta3",
    "alerts",
    "alert",
    Suspended,
    true,
    false
);
kind!(
    PROVIDER,
    "Provider",
    NOTIFICATION_GROUP,
    "v1beta3",
    "providers",
    "alert-provider",
    None,
    true,
    false
);
kind!(
    RECEIVER,
    "Receiver",
    NOTIFICATION_GROUP,
    "v1",
    "receivers",
    "receiver",
    Suspended,
    true,
    true
);
kind!(
    IMAGE_REPOSITORY,
    "ImageRepository",
    IMAGE_GROUP,
    "v1",
    "imagerepositories",
    "image repository",
    LastScan,
    true,
    true
);
kind!(
    IMAGE_POLICY,
    "ImagePolicy",
    IMAGE_GROUP,
    "v1",
    "imagepolicies",
    "image policy",
    LatestImage,
    true,
    true
);
kind!(
    IMAGE_UPDATE,
    "ImageUpdateAutomation",
    IMAGE_GROUP,
    "v1",
    "imageupdateautomations",
    "image update",
    LastRun,
    true,
    true
);

/// Every source kind, in the order `get sources all` prints them.
pub const SOURCES: &[FluxKind] = &[
    GIT_REPOSITORY,
    OCI_REPOSITORY,
    HELM_REPOSITORY,
    HELM_CHART,
    BUCKET,
];

/// Every image kind, in the order `get images all` prints them.
pub const IMAGES: &[FluxKind] = &[IMAGE_REPOSITORY, IMAGE_POLICY, IMAGE_UPDATE];

/// Every kind, in the order `get all` prints them.
pub const ALL: &[FluxKind] = &[
    GIT_REPOSITORY,
    OCI_REPOSITORY,
    HELM_REPOSITORY,
    HELM_CHART,
    BUCKET,
    KUSTOMIZATION,
    HELM_RELEASE,
    ALERT,
    PROVIDER,
    RECEIVER,
    IMAGE_REPOSITORY,
    IMAGE_POLICY,
    IMAGE_UPDATE,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_accepts_kind_plural_and_short_names() {
        assert_eq!(FluxKind::lookup("GitRepository"), Some(GIT_REPOSITORY));
        assert_eq!(FluxKind::lookup("kustomizations"), Some(KUSTOMIZATION));
        assert_eq!(FluxKind::lookup("hr"), Some(HELM_RELEASE));
        assert_eq!(FluxKind::lookup("imgpol"), Some(IMAGE_POLICY));
        assert_eq!(FluxKind::lookup("Deployment"), None);
    }
}
