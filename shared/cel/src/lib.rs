//! Flux's CEL expressions, in the cel-go dialect Flux uses (fluxcd/pkg `runtime/cel`):
//! the standard macros (`has`, `all`, `exists`, `exists_one`, `map`, `filter`), optional
//! field access (`a.?b`, `optional.of`, `orValue`), the strings, sets and base64
//! extensions.
//!
//! An [`Expression`] is compiled once and evaluated many times against named variables
//! given as `serde_json::Value`:
//!
//! - [`Expression::parse`] only parses, as Flux does for `healthCheckExprs`, whose
//!   variables are the top-level fields of the object under evaluation
//!   ([`Variables::from_object`]);
//! - [`Expression::compile`] also checks, as cel-go's `Compile` with struct variables:
//!   every identifier must be declared, list and map literals must not mix element types
//!   (`HomogeneousAggregateLiterals`), and the result must have the declared type
//!   (`dependsOn[].readyExpr`, variables `self` and `dep`, result `bool`).
//!
//! [`status::HealthChecks`] is Flux's `healthCheckExprs` evaluation (RFC-0009), shared by
//! the controllers that wait for custom resources.
//!
//! Limits: the expression's length and node count are bounded when it is built, and
//! every evaluation first estimates its worst-case cost from the widest list or map in
//! the variables (macros multiply their body's cost by it) and refuses to run past
//! [`Limits::max_cost`].

mod check;
mod error;
mod sets;
pub mod status;
mod value;

use std::sync::{Arc, OnceLock};

use cel::{Context, Env, Program};

pub use check::Type;
pub use error::Error;

/// Size and cost bounds; the defaults suit expressions written in a Kubernetes object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest expression text, in bytes.
    pub max_length: usize,
    /// Most syntax-tree nodes after macro expansion.
    pub max_nodes: usize,
    /// Deepest syntax-tree nesting after macro expansion.
    pub max_depth: usize,
    /// Highest estimated evaluation cost; Kubernetes' per-expression limit is 1,000,000.
    pub max_cost: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_length: 10_000,
            max_nodes: 5_000,
            max_depth: 250,
            max_cost: 1_000_000,
        }
    }
}

/// The declarations an expression is checked against by [`Expression::compile`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Declarations {
    /// The variables, each a JSON object (`google.protobuf.Struct` in cel-go).
    pub variables: Vec<String>,
    /// The type the result must have, if any.
    pub output: Option<Type>,
}

impl Declarations {
    /// Struct variables with the given names and a `bool` result.
    pub fn boolean(variables: &[&str]) -> Self {
        Declarations {
            variables: variables.iter().map(|v| v.to_string()).collect(),
            output: Some(Type::Bool),
        }
    }
}

/// Named variables for one evaluation.
#[derive(Debug, Clone, Default)]
pub struct Variables<'a> {
    vars: Vec<(&'a str, &'a serde_json::Value)>,
}

impl<'a> Variables<'a> {
    /// No variables.
    pub fn new() -> Self {
        Variables::default()
    }

    /// Adds a variable.
    pub fn with(mut self, name: &'a str, value: &'a serde_json::Value) -> Self {
        self.vars.push((name, value));
        self
    }

    /// The top-level fields of a JSON object as variables (`apiVersion`, `kind`,
    /// `metadata`, `spec`, `status`…), as Flux evaluates `healthCheckExprs`. A value that
    /// is not an object gives no variables.
    pub fn from_object(object: &'a serde_json::Value) -> Self {
        Variables {
            vars: object
                .as_object()
                .map(|o| o.iter().map(|(k, v)| (k.as_str(), v)).collect())
                .unwrap_or_default(),
        }
    }
}

/// A parsed (and possibly checked) CEL expression, ready to evaluate any number of times.
pub struct Expression {
    source: String,
    program: Program,
    limits: Limits,
}

impl std::fmt::Debug for Expression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Expression")
            .field("source", &self.source)
            .finish()
    }
}

fn env() -> &'static Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        // cel-go's ext.Strings(), ext.Encoders() and ext.Sets(), as Flux enables them. Registering
        // them on a fresh standard environment cannot conflict; if a future cel release
        // made it so, the functions are simply missing and evaluation says so.
        let _ = env.add_extension(cel::extensions::strings);
        let _ = env.add_extension(cel::extensions::encoders);
        let _ = sets::extension(&mut env);
        Arc::new(env)
    })
}

impl Expression {
    /// Parses `source` without declarations: any identifier is looked up when evaluated.
    pub fn parse(source: &str) -> Result<Self, Error> {
        Self::parse_with(source, Limits::default())
    }

    /// [`Expression::parse`] with explicit limits.
    pub fn parse_with(source: &str, limits: Limits) -> Result<Self, Error> {
        let shown = || shorten(source);
        if source.len() > limits.max_length {
            return Err(Error::TooLarge {
                expr: shown(),
                what: "length",
                size: source.len(),
                limit: limits.max_length,
            });
        }
        let program =
            on_large_stack(source, || env().compile(source))?.map_err(|e| Error::Parse {
                expr: source.to_string(),
                message: e.to_string(),
            })?;
        let root = program.expression();
        let depth = on_large_stack(source, || check::depth(root))?;
        if depth > limits.max_depth {
            return Err(Error::TooLarge {
                expr: shown(),
                what: "nesting depth",
                size: depth,
                limit: limits.max_depth,
            });
        }
        let nodes = check::node_count(root);
        if nodes > limits.max_nodes {
            return Err(Error::TooLarge {
                expr: shown(),
                what: "node count",
                size: nodes,
                limit: limits.max_nodes,
            });
        }
        Ok(Expression {
            source: source.to_string(),
            program,
            limits,
        })
    }

    /// Parses and checks `source` against `decls`: an undeclared identifier or a result
    /// of another type than the declared one is an error.
    pub fn compile(source: &str, decls: &Declarations) -> Result<Self, Error> {
        Self::compile_with(source, decls, Limits::default())
    }

    /// [`Expression::compile`] with explicit limits.
    pub fn compile_with(source: &str, decls: &Declarations, limits: Limits) -> Result<Self, Error> {
        let expr = Self::parse_with(source, limits)?;
        let root = expr.program.expression();
        if let Some((name, id)) = check::undeclared(root, &decls.variables) {
            let (line, col) = position(source, expr.program.source_info().offset_for(id));
            return Err(Error::Parse {
                expr: source.to_string(),
                message: format!(
                    "ERROR: <input>:{line}:{col}: undeclared reference to '{name}' (in container '')"
                ),
            });
        }
        if let Some((id, want, got)) = check::mixed_literal(root) {
            let (line, col) = position(source, expr.program.source_info().offset_for(id));
            return Err(Error::Parse {
                expr: source.to_string(),
                message: format!(
                    "ERROR: <input>:{line}:{col}: expected type '{want}' but found '{got}'"
                ),
            });
        }
        if let Some(want) = decls.output {
            let got = check::output_type(root);
            if got != want && got != Type::Unknown {
                return Err(Error::OutputType {
                    expr: source.to_string(),
                    expected: want.name(),
                    got: got.to_string(),
                });
            }
        }
        Ok(expr)
    }

    /// The expression text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluates to a JSON value.
    pub fn evaluate(&self, vars: &Variables<'_>) -> Result<serde_json::Value, Error> {
        let value = self.run(vars)?;
        value::to_json(&value).map_err(|kind| Error::Unrepresentable {
            expr: self.source.clone(),
            kind,
        })
    }

    /// Evaluates to a boolean; any other result is an error.
    pub fn evaluate_bool(&self, vars: &Variables<'_>) -> Result<bool, Error> {
        match self.run(vars)? {
            cel::Value::Bool(b) => Ok(b),
            _ => Err(Error::ResultType {
                expr: self.source.clone(),
                expected: "boolean",
            }),
        }
    }

    /// Evaluates to a string; any other result is an error.
    pub fn evaluate_string(&self, vars: &Variables<'_>) -> Result<String, Error> {
        match self.run(vars)? {
            cel::Value::String(s) => Ok(s.as_str().to_string()),
            _ => Err(Error::ResultType {
                expr: self.source.clone(),
                expected: "string",
            }),
        }
    }

    /// The estimated worst-case cost of evaluating against `vars`.
    pub fn estimated_cost(&self, vars: &Variables<'_>) -> u64 {
        let root = self.program.expression();
        let width = vars
            .vars
            .iter()
            .map(|(_, v)| value::widest(v))
            .fold(check::widest_literal(root), u64::max);
        check::cost(root, width)
    }

    fn run(&self, vars: &Variables<'_>) -> Result<cel::Value, Error> {
        let cost = self.estimated_cost(vars);
        if cost > self.limits.max_cost {
            return Err(Error::CostLimit {
                expr: shorten(&self.source),
                cost,
                limit: self.limits.max_cost,
            });
        }
        on_large_stack(&self.source, || {
            let mut ctx = Context::with_env(Arc::clone(env()));
            for (name, value) in &vars.vars {
                ctx.add_variable_from_value(*name, value::to_cel(value));
            }
            self.program.execute(&ctx)
        })?
        .map_err(|e| Error::Evaluate {
            expr: self.source.clone(),
            message: e.to_string(),
        })
    }
}

/// Stack for parsing and evaluating: the generated parser and the tree-walking
/// interpreter recurse per nesting level with large frames, more than an async worker's
/// 2 MiB allows at the depths [`Limits`] lets through. Only the pages used are committed.
const STACK_SIZE: usize = 64 << 20;

/// Runs `f` on a scoped thread with [`STACK_SIZE`]; a panic inside the CEL library becomes
/// an evaluation error instead of taking the caller down.
fn on_large_stack<T: Send>(source: &str, f: impl FnOnce() -> T + Send) -> Result<T, Error> {
    let failed = |message: &str| Error::Evaluate {
        expr: shorten(source),
        message: message.to_string(),
    };
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("cel".to_string())
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, f)
            .map_err(|e| failed(&format!("cannot start the evaluation thread: {e}")))?;
        handle
            .join()
            .map_err(|_| failed("the CEL interpreter panicked"))
    })
}

/// 1-based line and column of a byte offset, as cel-go reports positions.
fn position(source: &str, offset: Option<(u32, u32)>) -> (usize, usize) {
    let Some((start, _)) = offset else {
        return (1, 1);
    };
    let start = (start as usize).min(source.len());
    let before = source.get(..start).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn shorten(source: &str) -> String {
    const MAX: usize = 200;
    match source.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}...", &source[..at]),
        None => source.to_string(),
    }
}

#[cfg(test)]
mod tests;
