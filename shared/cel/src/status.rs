//! Flux's custom health checks (`healthCheckExprs`, RFC-0009), after fluxcd/pkg
//! `runtime/cel` `StatusEvaluator`: a status for custom resources of a given group and kind
//! from `inProgress`, `failed` and `current` expressions, evaluated against the object's
//! top-level fields.

use serde_json::Value;

use crate::{Error, Expression, Variables};

/// The kstatus status an expression decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The object reached its desired state.
    Current,
    /// Still converging.
    InProgress,
    /// Will not converge.
    Failed,
}

/// A status and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The status.
    pub status: Status,
    /// Which rule decided, for people.
    pub message: String,
}

/// One `healthCheckExprs` entry as written.
#[derive(Debug, Clone, Copy)]
pub struct HealthCheckSpec<'a> {
    /// `apiVersion` of the kind; only the group counts.
    pub api_version: &'a str,
    /// The kind.
    pub kind: &'a str,
    /// Required: when true the object is Current.
    pub current: &'a str,
    /// When true the object is InProgress (evaluated first).
    pub in_progress: Option<&'a str>,
    /// When true the object is Failed (evaluated second).
    pub failed: Option<&'a str>,
}

/// The compiled expressions of one kind.
#[derive(Debug)]
pub struct StatusEvaluator {
    current: Expression,
    in_progress: Option<Expression>,
    failed: Option<Expression>,
}

impl StatusEvaluator {
    /// Parses the expressions (parse only: custom resources have arbitrary top-level
    /// fields, so nothing can be declared). Errors read as fluxcd/pkg's.
    pub fn new(
        current: &str,
        in_progress: Option<&str>,
        failed: Option<&str>,
    ) -> Result<Self, String> {
        let parse = |name: &str, expr: Option<&str>| -> Result<Option<Expression>, String> {
            match expr.filter(|e| !e.is_empty()) {
                None => Ok(None),
                Some(e) => Expression::parse(e)
                    .map(Some)
                    .map_err(|err| format!("failed to parse the expression {name}: {err}")),
            }
        };
        let current = parse("Current", Some(current))?
            .ok_or_else(|| "expression Current not specified".to_string())?;
        Ok(StatusEvaluator {
            current,
            in_progress: parse("InProgress", in_progress)?,
            failed: parse("Failed", failed)?,
        })
    }

    /// RFC-0009: InProgress while `status.observedGeneration` differs from
    /// `metadata.generation`; then the first of `inProgress`, `failed`, `current` that is
    /// true decides; InProgress when none is. An evaluation error is returned as is.
    pub fn evaluate(&self, obj: &Value) -> Result<Verdict, Error> {
        let observed = obj
            .pointer("/status/observedGeneration")
            .and_then(Value::as_i64);
        let generation = obj.pointer("/metadata/generation").and_then(Value::as_i64);
        if let (Some(observed), Some(generation)) = (observed, generation)
            && observed != generation
        {
            return Ok(Verdict {
                status: Status::InProgress,
                message: format!(
                    "generation is {generation}, but latest observed generation is {observed}"
                ),
            });
        }
        let vars = Variables::from_object(obj);
        for (expr, status, what) in [
            (self.in_progress.as_ref(), Status::InProgress, "inProgress"),
            (self.failed.as_ref(), Status::Failed, "failed"),
            (Some(&self.current), Status::Current, "current"),
        ] {
            let Some(expr) = expr else { continue };
            if expr.evaluate_bool(&vars)? {
                return Ok(Verdict {
                    status,
                    message: format!(
                        "healthCheckExprs {what} expression '{}' is true",
                        expr.source()
                    ),
                });
            }
        }
        Ok(Verdict {
            status: Status::InProgress,
            message: "no healthCheckExprs expression is true".to_string(),
        })
    }
}

/// All `healthCheckExprs` of an object, by group and kind; the first entry of a group and
/// kind wins, as in Flux.
#[derive(Debug, Default)]
pub struct HealthChecks {
    kinds: Vec<(String, String, StatusEvaluator)>,
}

impl HealthChecks {
    /// Compiles every entry; the error names the first invalid one as Flux does:
    /// `failed to create custom status reader for healthchecks[1]: failed to parse the
    /// expression InProgress: …`.
    pub fn new<'a>(specs: impl IntoIterator<Item = HealthCheckSpec<'a>>) -> Result<Self, Error> {
        let mut kinds: Vec<(String, String, StatusEvaluator)> = Vec::new();
        for (index, spec) in specs.into_iter().enumerate() {
            let group = group_of(spec.api_version);
            if kinds.iter().any(|(g, k, _)| g == group && k == spec.kind) {
                continue;
            }
            let evaluator = StatusEvaluator::new(spec.current, spec.in_progress, spec.failed)
                .map_err(|message| Error::HealthCheck { index, message })?;
            kinds.push((group.to_string(), spec.kind.to_string(), evaluator));
        }
        Ok(HealthChecks { kinds })
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// The verdict for `obj` if an entry covers its group and kind.
    pub fn evaluate(&self, obj: &Value) -> Option<Result<Verdict, Error>> {
        let group = group_of(obj.get("apiVersion").and_then(Value::as_str).unwrap_or(""));
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
        self.kinds
            .iter()
            .find(|(g, k, _)| g == group && k == kind)
            .map(|(_, _, evaluator)| evaluator.evaluate(obj))
    }
}

/// The group of an apiVersion (`""` for the core group).
fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn widget(api_version: &str, generation: i64, observed: i64, phase: &str) -> Value {
        json!({"apiVersion": api_version, "kind": "Widget",
            "metadata": {"name": "w", "generation": generation},
            "status": {"observedGeneration": observed, "phase": phase}})
    }

    fn spec<'a>(kind: &'a str, in_progress: Option<&'a str>) -> HealthCheckSpec<'a> {
        HealthCheckSpec {
            api_version: "example.com/v1",
            kind,
            current: "status.phase == 'Done'",
            in_progress,
            failed: Some("status.phase == 'Broken' || status.phase == 'Working'"),
        }
    }

    #[test]
    fn expressions_decide_in_flux_order() {
        let checks =
            HealthChecks::new([spec("Widget", Some("status.phase == 'Working'"))]).unwrap();
        let status = |obj: &Value| checks.evaluate(obj).map(|r| r.map(|v| v.status));
        // inProgress is evaluated before failed.
        let w = |phase| widget("example.com/v2", 1, 1, phase);
        assert_eq!(status(&w("Working")), Some(Ok(Status::InProgress)));
        let failed = checks.evaluate(&w("Broken")).unwrap().unwrap();
        assert_eq!(failed.status, Status::Failed);
        assert!(
            failed.message.contains("status.phase == 'Broken'"),
            "{}",
            failed.message
        );
        assert_eq!(status(&w("Done")), Some(Ok(Status::Current)));
        assert_eq!(status(&w("Other")), Some(Ok(Status::InProgress)));
        // A lagging observedGeneration is InProgress whatever the expressions say.
        assert_eq!(
            status(&widget("example.com/v1", 2, 1, "Done")),
            Some(Ok(Status::InProgress))
        );
        // Other groups and kinds are not covered.
        assert_eq!(status(&widget("other.io/v1", 1, 1, "Done")), None);
        assert_eq!(
            status(&json!({"apiVersion": "v1", "kind": "ConfigMap"})),
            None
        );
        // Evaluation errors are returned.
        let bare = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {}});
        assert!(matches!(
            checks.evaluate(&bare),
            Some(Err(Error::Evaluate { .. }))
        ));
    }

    #[test]
    fn first_entry_per_kind_wins_and_errors_name_the_entry() {
        let first = HealthChecks::new([spec("Widget", None), spec("Widget", Some("foo."))]);
        assert!(
            first.is_ok(),
            "the second Widget entry is ignored, as in Flux"
        );
        let err =
            HealthChecks::new([spec("Widget", None), spec("Gadget", Some("foo."))]).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "failed to create custom status reader for healthchecks[1]: failed to parse the \
                 expression InProgress: failed to parse the CEL expression 'foo.': ERROR: <input>:1:5:"
            ),
            "{err}"
        );
        let mut no_current = spec("Widget", None);
        no_current.current = "";
        assert_eq!(
            HealthChecks::new([no_current]).unwrap_err().to_string(),
            "failed to create custom status reader for healthchecks[0]: expression Current not specified"
        );
    }
}
