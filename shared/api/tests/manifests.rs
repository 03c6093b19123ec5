//! Manifests as Flux users write them (bootstrap output, docs examples) parse into the types
//! with the values a controller needs, and serialize back unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flux_api::helm::HelmRelease;
use flux_api::kustomize::Kustomization;
use flux_api::meta::Conditions;
use flux_api::source::GitRepository;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn parse<T: DeserializeOwned + Serialize>(yaml: &str) -> T {
    let value: Value = serde_saphyr::from_str(yaml).unwrap();
    let typed: T = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(
        serde_json::to_value(&typed).unwrap(),
        value,
        "round trip changed the object"
    );
    typed
}

#[test]
fn bootstrap_gitrepository() {
    let repo: GitRepository = parse(
        r#"
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m0s
  ref:
    branch: main
  secretRef:
    name: flux-system
  url: ssh://git@github.com/example/fleet-infra
  ignore: |
    /*
    !/clusters/production
"#,
    );
    assert_eq!(repo.spec.reference.unwrap().branch.as_deref(), Some("main"));
    assert_eq!(repo.spec.secret_ref.unwrap().name, "flux-system");
    assert_eq!(repo.spec.ignore.unwrap().lines().count(), 2);
    assert!(repo.status.is_none());
}

#[test]
fn kustomization_with_post_build_substitution() {
    let ks: Kustomization = parse(
        r#"
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  retryInterval: 1m
  timeout: 5m
  path: ./apps/staging
  prune: true
  wait: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  dependsOn:
    - name: infra-configs
  postBuild:
    substitute:
      cluster_name: staging
    substituteFrom:
      - kind: ConfigMap
        name: cluster-settings
      - kind: Secret
        name: cluster-secrets
        optional: true
"#,
    );
    let post = ks.spec.post_build.as_ref().unwrap();
    assert_eq!(post.substitute["cluster_name"], "staging");
    assert_eq!(post.substitute_from[1].kind, "Secret");
    assert!(post.substitute_from[1].optional);
    assert_eq!(ks.deletion_policy(), "MirrorPrune");
    assert_eq!(ks.timeout().unwrap(), std::time::Duration::from_secs(300));
    assert_eq!(ks.spec.source_ref.to_string(), "GitRepository/flux-system");
}

#[test]
fn kustomization_timeout_defaults_to_interval_minus_30s_with_floor() {
    let mut ks: Kustomization = parse(
        r#"
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: infra
spec:
  interval: 10m
  prune: false
  sourceRef:
    kind: OCIRepository
    name: infra
    namespace: flux-system
"#,
    );
    assert_eq!(ks.timeout().unwrap(), std::time::Duration::from_secs(570));
    ks.spec.interval = "45s".into();
    assert_eq!(ks.timeout().unwrap(), std::time::Duration::from_secs(30));
    ks.spec.interval = "5 minutes".into();
    assert!(ks.timeout().is_err());
}

#[test]
fn helmrelease_with_chart_spec_and_values() {
    let hr: HelmRelease = parse(
        r#"
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ingress-nginx
  namespace: ingress-nginx
spec:
  interval: 30m
  chart:
    spec:
      chart: ingress-nginx
      version: "4.x"
      sourceRef:
        kind: HelmRepository
        name: ingress-nginx
        namespace: flux-system
      interval: 12h
  install:
    crds: Create
    remediation:
      retries: 3
  upgrade:
    crds: CreateReplace
    remediation:
      retries: 3
      remediateLastFailure: false
  valuesFrom:
    - kind: ConfigMap
      name: ingress-values
  values:
    controller:
      replicaCount: 2
      service:
        type: NodePort
        nodePorts:
          http: 30080
      metrics:
        enabled: true
    tcp:
      "2222": gitea/gitea-ssh:22
"#,
    );
    let chart = hr.spec.chart.as_ref().unwrap();
    assert_eq!(chart.spec.chart, "ingress-nginx");
    assert_eq!(
        chart.spec.source_ref.namespace.as_deref(),
        Some("flux-system")
    );
    let values = hr.values_map().unwrap();
    assert_eq!(values["controller"]["service"]["nodePorts"]["http"], 30080);
    assert_eq!(values["tcp"]["2222"], "gitea/gitea-ssh:22");
    assert_eq!(hr.spec.values_from[0].values_key(), "values.yaml");
    assert_eq!(
        hr.spec
            .install
            .as_ref()
            .unwrap()
            .remediation
            .as_ref()
            .unwrap()
            .retries,
        Some(3)
    );
    assert_eq!(hr.release_name_candidate(), "ingress-nginx");
}

#[test]
fn status_conditions_are_read_and_updated_like_flux() {
    let mut repo: GitRepository = parse(
        r#"
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: podinfo
  namespace: default
  generation: 2
spec:
  interval: 5m
  url: https://github.com/stefanprodan/podinfo
status:
  observedGeneration: 2
  lastHandledReconcileAt: "2026-11-25T10:00:00.000000000Z"
  artifact:
    digest: sha256:b3c1a5d7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3e5f7a9b1c3d5e7f9a1b3
    lastUpdateTime: "2026-11-25T10:00:01Z"
    path: gitrepository/default/podinfo/3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3e5f7a9b1c.tar.gz
    revision: master@sha1:3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3e5f7a9b1c
    size: 123456
    url: http://source-controller.flux-system.svc.cluster.local./gitrepository/default/podinfo/3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3e5f7a9b1c.tar.gz
  conditions:
    - type: Ready
      status: "True"
      reason: Succeeded
      message: "stored artifact for revision 'master@sha1:3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3e5f7a9b1c'"
      observedGeneration: 2
      lastTransitionTime: "2026-11-25T10:00:01Z"
    - type: ArtifactInStorage
      status: "True"
      reason: Succeeded
      message: "stored artifact for revision 'master@sha1:3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3e5f7a9b1c'"
      observedGeneration: 2
      lastTransitionTime: "2026-11-25T10:00:01Z"
"#,
    );
    assert!(repo.is_ready());
    let ready = repo.condition("Ready").unwrap().clone();

    let later: k8s_openapi::apimachinery::pkg::apis::meta::v1::Time =
        serde_json::from_value(serde_json::json!("2030-01-01T00:00:00Z")).unwrap();
    let time_of = |r: &GitRepository| {
        serde_json::to_value(&r.condition("Ready").unwrap().last_transition_time).unwrap()
    };

    // Same status: the message is replaced but the transition time is kept.
    let mut same = ready.clone();
    same.message = "refreshed".into();
    same.last_transition_time = later.clone();
    repo.set_condition(same);
    assert_eq!(repo.condition("Ready").unwrap().message, "refreshed");
    assert_eq!(time_of(&repo), "2026-11-25T10:00:01Z");

    // New type is appended, removal reports whether it existed.
    let mut reconciling = ready.clone();
    reconciling.type_ = "Reconciling".into();
    reconciling.reason = "Progressing".into();
    repo.set_condition(reconciling);
    assert_eq!(repo.conditions().len(), 3);
    assert!(repo.remove_condition("Reconciling"));
    assert!(!repo.remove_condition("Reconciling"));

    // Status change: the new transition time is taken.
    let mut not_ready = ready;
    not_ready.status = "False".into();
    not_ready.reason = "GitOperationFailed".into();
    not_ready.last_transition_time = later;
    repo.set_condition(not_ready);
    assert!(!repo.is_ready());
    assert_eq!(time_of(&repo), "2030-01-01T00:00:00Z");
    assert!(repo.condition("Ready").unwrap().is_false());
}
