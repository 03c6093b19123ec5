//! Condition types, reasons, annotations, labels, finalizers and field managers used across
//! Flux. Each string exists once, here.

// --- Condition status values -----------------------------------------------------------------

/// `metav1.ConditionTrue`.
pub const CONDITION_TRUE: &str = "True";
/// `metav1.ConditionFalse`.
pub const CONDITION_FALSE: &str = "False";
/// `metav1.ConditionUnknown`.
pub const CONDITION_UNKNOWN: &str = "Unknown";

// --- Standard condition types (fluxcd/pkg apis/meta) -----------------------------------------

/// Summary condition; True when the last reconcile fully succeeded for the current generation.
pub const READY_CONDITION: &str = "Ready";
/// Abnormal-true: work in progress.
pub const RECONCILING_CONDITION: &str = "Reconciling";
/// Abnormal-true: cannot progress without human action.
pub const STALLED_CONDITION: &str = "Stalled";
/// Kustomization health-check outcome.
pub const HEALTHY_CONDITION: &str = "Healthy";

// --- Source condition types ------------------------------------------------------------------

/// An artifact exists in storage.
pub const ARTIFACT_IN_STORAGE_CONDITION: &str = "ArtifactInStorage";
/// The stored artifact is outdated (abnormal-true).
pub const ARTIFACT_OUTDATED_CONDITION: &str = "ArtifactOutdated";
/// Fetching from upstream failed (abnormal-true).
pub const FETCH_FAILED_CONDITION: &str = "FetchFailed";
/// Building the artifact failed (abnormal-true).
pub const BUILD_FAILED_CONDITION: &str = "BuildFailed";
/// A GitRepository include is unavailable (abnormal-true).
pub const INCLUDE_UNAVAILABLE_CONDITION: &str = "IncludeUnavailable";
/// A storage operation failed (abnormal-true).
pub const STORAGE_OPERATION_FAILED_CONDITION: &str = "StorageOperationFailed";
/// Signature verification outcome.
pub const SOURCE_VERIFIED_CONDITION: &str = "SourceVerified";

// --- HelmRelease condition types -------------------------------------------------------------

/// Outcome of the last Helm install/upgrade.
pub const RELEASED_CONDITION: &str = "Released";
/// Outcome of the last Helm test.
pub const TEST_SUCCESS_CONDITION: &str = "TestSuccess";
/// Outcome of the last remediation.
pub const REMEDIATED_CONDITION: &str = "Remediated";
/// Cluster state drifted from the Helm storage manifest.
pub const DRIFTED_CONDITION: &str = "Drifted";

// --- Shared reasons (fluxcd/pkg apis/meta) ---------------------------------------------------

/// Generic success reason.
pub const SUCCEEDED_REASON: &str = "Succeeded";
/// Generic failure reason.
pub const FAILED_REASON: &str = "Failed";
/// Reconciliation in progress.
pub const PROGRESSING_REASON: &str = "Progressing";
/// Reconciliation in progress after a failure.
pub const PROGRESSING_WITH_RETRY_REASON: &str = "ProgressingWithRetry";
/// The object is suspended.
pub const SUSPENDED_REASON: &str = "Suspended";
/// A dependency is not ready.
pub const DEPENDENCY_NOT_READY_REASON: &str = "DependencyNotReady";
/// The source artifact could not be fetched.
pub const ARTIFACT_FAILED_REASON: &str = "ArtifactFailed";
/// The build failed.
pub const BUILD_FAILED_REASON: &str = "BuildFailed";
/// Health checks failed.
pub const HEALTH_CHECK_FAILED_REASON: &str = "HealthCheckFailed";
/// Health checks were canceled (new revision).
pub const HEALTH_CHECK_CANCELED_REASON: &str = "HealthCheckCanceled";
/// Garbage collection failed.
pub const PRUNE_FAILED_REASON: &str = "PruneFailed";
/// Kustomization applied successfully.
pub const RECONCILIATION_SUCCEEDED_REASON: &str = "ReconciliationSucceeded";
/// Kustomization failed.
pub const RECONCILIATION_FAILED_REASON: &str = "ReconciliationFailed";
/// The URL is invalid.
pub const INVALID_URL_REASON: &str = "InvalidURL";
/// A path is invalid.
pub const INVALID_PATH_REASON: &str = "InvalidPath";
/// A CEL expression is invalid.
pub const INVALID_CEL_EXPRESSION_REASON: &str = "InvalidCELExpression";
/// A required feature gate is disabled.
pub const FEATURE_GATE_DISABLED_REASON: &str = "FeatureGateDisabled";
/// Insecure connections are disallowed.
pub const INSECURE_CONNECTIONS_DISALLOWED_REASON: &str = "InsecureConnectionsDisallowed";
/// The connection type is unsupported.
pub const UNSUPPORTED_CONNECTION_TYPE_REASON: &str = "UnsupportedConnectionType";
/// A cross-namespace reference was denied.
pub const ACCESS_DENIED_REASON: &str = "AccessDenied";

// --- Source reasons --------------------------------------------------------------------------

/// URL invalid (source-controller spelling).
pub const URL_INVALID_REASON: &str = "URLInvalid";
/// HelmChart reference invalid.
pub const INVALID_CHART_REFERENCE_REASON: &str = "InvalidChartReference";
/// Bucket STS configuration invalid.
pub const INVALID_STS_CONFIGURATION_REASON: &str = "InvalidSTSConfiguration";
/// Provider configuration invalid.
pub const INVALID_PROVIDER_CONFIGURATION_REASON: &str = "InvalidProviderConfiguration";
/// A new upstream revision is available.
pub const NEW_REVISION_REASON: &str = "NewRevision";
/// A new chart is available.
pub const NEW_CHART_REASON: &str = "NewChart";
/// Authentication failed.
pub const AUTHENTICATION_FAILED_REASON: &str = "AuthenticationFailed";
/// A Git operation succeeded.
pub const GIT_OPERATION_SUCCEEDED_REASON: &str = "GitOperationSucceeded";
/// A Git operation failed.
pub const GIT_OPERATION_FAILED_REASON: &str = "GitOperationFailed";
/// Pulling an OCI artifact failed.
pub const OCI_PULL_FAILED_REASON: &str = "OCIArtifactPullFailed";
/// Processing an OCI layer failed.
pub const OCI_LAYER_OPERATION_FAILED_REASON: &str = "OCIArtifactLayerOperationFailed";
/// Bucket listing/fetching succeeded.
pub const BUCKET_OPERATION_SUCCEEDED_REASON: &str = "BucketOperationSucceeded";
/// Bucket listing/fetching failed.
pub const BUCKET_OPERATION_FAILED_REASON: &str = "BucketOperationFailed";
/// Helm repository index fetch failed.
pub const INDEXATION_FAILED_REASON: &str = "IndexationFailed";
/// A path escaped its root.
pub const ILLEGAL_PATH_REASON: &str = "IllegalPath";
/// Chart pull succeeded.
pub const CHART_PULL_SUCCEEDED_REASON: &str = "ChartPullSucceeded";
/// Chart package succeeded.
pub const CHART_PACKAGE_SUCCEEDED_REASON: &str = "ChartPackageSucceeded";
/// The artifact is up to date.
pub const ARTIFACT_UP_TO_DATE_REASON: &str = "ArtifactUpToDate";
/// A patch operation failed.
pub const PATCH_OPERATION_FAILED_REASON: &str = "PatchOperationFailed";
/// Signature verification failed.
pub const VERIFICATION_ERROR_REASON: &str = "VerificationError";
/// Storage directory creation failed.
pub const DIRECTORY_CREATION_FAILED_REASON: &str = "DirectoryCreationFailed";
/// Storage stat failed.
pub const STAT_OPERATION_FAILED_REASON: &str = "StatOperationFailed";
/// Storage read failed.
pub const READ_OPERATION_FAILED_REASON: &str = "ReadOperationFailed";
/// Storage lock failed.
pub const ACQUIRE_LOCK_FAILED_REASON: &str = "AcquireLockFailed";
/// Archiving failed.
pub const ARCHIVE_OPERATION_FAILED_REASON: &str = "ArchiveOperationFailed";
/// Updating the `latest` symlink failed.
pub const SYMLINK_UPDATE_FAILED_REASON: &str = "SymlinkUpdateFailed";
/// A cache operation failed.
pub const CACHE_OPERATION_FAILED_REASON: &str = "CacheOperationFailed";
/// Event reason of a new artifact.
pub const NEW_ARTIFACT_REASON: &str = "NewArtifact";

// --- HelmRelease reasons ---------------------------------------------------------------------

/// Helm install succeeded.
pub const INSTALL_SUCCEEDED_REASON: &str = "InstallSucceeded";
/// Helm install failed.
pub const INSTALL_FAILED_REASON: &str = "InstallFailed";
/// Helm upgrade succeeded.
pub const UPGRADE_SUCCEEDED_REASON: &str = "UpgradeSucceeded";
/// Helm upgrade failed.
pub const UPGRADE_FAILED_REASON: &str = "UpgradeFailed";
/// Helm test succeeded.
pub const TEST_SUCCEEDED_REASON: &str = "TestSucceeded";
/// Helm test failed.
pub const TEST_FAILED_REASON: &str = "TestFailed";
/// Helm rollback succeeded.
pub const ROLLBACK_SUCCEEDED_REASON: &str = "RollbackSucceeded";
/// Helm rollback failed.
pub const ROLLBACK_FAILED_REASON: &str = "RollbackFailed";
/// Helm uninstall succeeded.
pub const UNINSTALL_SUCCEEDED_REASON: &str = "UninstallSucceeded";
/// Helm uninstall failed.
pub const UNINSTALL_FAILED_REASON: &str = "UninstallFailed";
/// Retries exhausted.
pub const RETRIES_EXCEEDED_REASON: &str = "RetriesExceeded";
/// Drift detected.
pub const DRIFT_DETECTED_REASON: &str = "DriftDetected";
/// No drift detected.
pub const NO_DRIFT_DETECTED_REASON: &str = "NoDriftDetected";
/// Inventory build failed.
pub const INVENTORY_BUILD_FAILED_REASON: &str = "InventoryBuildFailed";
/// Namespace check skipped.
pub const NAMESPACE_CHECK_SKIPPED_REASON: &str = "NamespaceCheckSkipped";

// --- Image reasons ---------------------------------------------------------------------------

/// Image URL invalid.
pub const IMAGE_URL_INVALID_REASON: &str = "ImageURLInvalid";
/// Generic image-controller failure.
pub const FAILURE_REASON: &str = "Failure";
/// New generation observed.
pub const NEW_GENERATION_REASON: &str = "NewGeneration";
/// Scanning tags.
pub const SCANNING_REASON: &str = "Scanning";
/// ImagePolicy without interval while reflecting digests always.
pub const INTERVAL_NOT_CONFIGURED_REASON: &str = "IntervalNotConfigured";
/// ImagePolicy policy invalid.
pub const INVALID_POLICY_REASON: &str = "InvalidPolicy";
/// Accessing the ImageRepository.
pub const ACCESSING_REPOSITORY_REASON: &str = "AccessingRepository";
/// Applying the policy.
pub const APPLYING_POLICY_REASON: &str = "ApplyingPolicy";
/// IUA source configuration invalid.
pub const INVALID_SOURCE_CONFIGURATION_REASON: &str = "InvalidSourceConfiguration";
/// IUA source manager failed.
pub const SOURCE_MANAGER_FAILED_REASON: &str = "SourceManagerFailed";
/// IUA update failed.
pub const UPDATE_FAILED_REASON: &str = "UpdateFailed";
/// IUA policy selector invalid.
pub const INVALID_POLICY_SELECTOR_REASON: &str = "InvalidPolicySelector";
/// IUA update strategy invalid.
pub const INVALID_UPDATE_STRATEGY_REASON: &str = "InvalidUpdateStrategy";
/// IUA template uses a removed field.
pub const REMOVED_TEMPLATE_FIELD_REASON: &str = "RemovedTemplateField";

// --- Notification reasons --------------------------------------------------------------------

/// Event reason when dispatching a notification failed.
pub const NOTIFICATION_DISPATCH_FAILED_REASON: &str = "NotificationDispatchFailed";
/// Event reason when merging alert metadata failed.
pub const METADATA_APPEND_FAILED_REASON: &str = "MetadataAppendFailed";
/// Receiver secret/token missing.
pub const TOKEN_NOT_FOUND_REASON: &str = "TokenNotFound";

// --- Annotations and labels ------------------------------------------------------------------

/// Requests an immediate reconcile when its value differs from `status.lastHandledReconcileAt`.
pub const RECONCILE_REQUEST_ANNOTATION: &str = "reconcile.fluxcd.io/requestedAt";
/// Forces a one-off HelmRelease install/upgrade (must equal the requestedAt token).
pub const FORCE_REQUEST_ANNOTATION: &str = "reconcile.fluxcd.io/forceAt";
/// Resets HelmRelease failure counters (must equal the requestedAt token).
pub const RESET_REQUEST_ANNOTATION: &str = "reconcile.fluxcd.io/resetAt";
/// Label on Secrets/ConfigMaps whose changes trigger dependents.
pub const WATCH_LABEL: &str = "reconcile.fluxcd.io/watch";
/// Value of [`WATCH_LABEL`] that enables watching.
pub const WATCH_LABEL_ENABLED: &str = "Enabled";
/// Prefix of object annotations copied into event metadata.
pub const EVENT_ANNOTATION_PREFIX: &str = "event.toolkit.fluxcd.io/";
/// Sharding label.
pub const SHARDING_KEY_LABEL: &str = "sharding.fluxcd.io/key";
/// Disables post-build substitution of an object (set on every Flux CRD).
pub const SUBSTITUTE_ANNOTATION: &str = "kustomize.toolkit.fluxcd.io/substitute";
/// Server-side apply policy of an object (`Override`, `Merge`, `IfNotPresent`, `Ignore`).
pub const SSA_ANNOTATION: &str = "kustomize.toolkit.fluxcd.io/ssa";
/// Recreate on immutable change (`Enabled`/`Disabled`).
pub const FORCE_ANNOTATION: &str = "kustomize.toolkit.fluxcd.io/force";
/// Exclude from garbage collection (`Disabled`).
pub const PRUNE_ANNOTATION: &str = "kustomize.toolkit.fluxcd.io/prune";
/// Legacy opt-out of reconciliation (`disabled`).
pub const RECONCILE_ANNOTATION: &str = "kustomize.toolkit.fluxcd.io/reconcile";
/// Skip SOPS decryption (`Disabled`).
pub const DECRYPT_ANNOTATION: &str = "kustomize.toolkit.fluxcd.io/decrypt";
/// Kustomization owner label (name).
pub const KUSTOMIZE_NAME_LABEL: &str = "kustomize.toolkit.fluxcd.io/name";
/// Kustomization owner label (namespace).
pub const KUSTOMIZE_NAMESPACE_LABEL: &str = "kustomize.toolkit.fluxcd.io/namespace";
/// HelmRelease owner label (name).
pub const HELM_NAME_LABEL: &str = "helm.toolkit.fluxcd.io/name";
/// HelmRelease owner label (namespace).
pub const HELM_NAMESPACE_LABEL: &str = "helm.toolkit.fluxcd.io/namespace";
/// Opt an object out of Helm drift detection (`disabled`).
pub const HELM_DRIFT_DETECTION_ANNOTATION: &str = "helm.toolkit.fluxcd.io/driftDetection";
/// Common "enabled" annotation value.
pub const ENABLED_VALUE: &str = "enabled";
/// Common "disabled" annotation value.
pub const DISABLED_VALUE: &str = "disabled";

// --- Finalizers and field managers -----------------------------------------------------------

/// Finalizer on every reconciled Flux kind.
pub const FINALIZER: &str = "finalizers.fluxcd.io";
/// Field manager of kustomize-controller's server-side apply.
pub const KUSTOMIZE_CONTROLLER_MANAGER: &str = "kustomize-controller";
/// Field manager of helm-controller.
pub const HELM_CONTROLLER_MANAGER: &str = "helm-controller";
/// Field manager whose fields Flux preserves (manual tweaks).
pub const CLIENT_SIDE_APPLY_MANAGER: &str = "flux-client-side-apply";
/// Status-patch field manager of a controller: `gotk-<controller>`.
pub fn status_field_manager(controller: &str) -> String {
    format!("gotk-{controller}")
}

// --- API groups --------------------------------------------------------------------------------

/// source-controller API group.
pub const SOURCE_GROUP: &str = "source.toolkit.fluxcd.io";
/// kustomize-controller API group.
pub const KUSTOMIZE_GROUP: &str = "kustomize.toolkit.fluxcd.io";
/// helm-controller API group.
pub const HELM_GROUP: &str = "helm.toolkit.fluxcd.io";
/// notification-controller API group.
pub const NOTIFICATION_GROUP: &str = "notification.toolkit.fluxcd.io";
/// image-reflector/automation API group.
pub const IMAGE_GROUP: &str = "image.toolkit.fluxcd.io";
/// Event payload API group.
pub const EVENT_GROUP: &str = "event.toolkit.fluxcd.io";
