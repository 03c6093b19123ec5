//! The errors of compiling and evaluating an expression; each names the expression.

/// A CEL compile or evaluation failure. The messages follow fluxcd/pkg `runtime/cel`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The expression is not valid CEL, or refers to an undeclared variable.
    #[error("failed to parse the CEL expression '{expr}': {message}")]
    Parse {
        /// The expression.
        expr: String,
        /// The parser's or checker's report, `ERROR: <input>:line:col: …`.
        message: String,
    },
    /// The checked result type is not the one the caller needs.
    #[error("CEL expression output type mismatch: expected {expected}, got {got} in '{expr}'")]
    OutputType {
        /// The expression.
        expr: String,
        /// The type the caller needs.
        expected: &'static str,
        /// The type the expression has.
        got: String,
    },
    /// The expression text or its syntax tree is larger than allowed.
    #[error("the CEL expression '{expr}' is too large: {what} is {size}, the limit is {limit}")]
    TooLarge {
        /// The expression (shortened when very long).
        expr: String,
        /// What was measured: `length` or `node count`.
        what: &'static str,
        /// The measured size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Evaluating the expression against these variables could cost more than allowed.
    #[error(
        "the CEL expression '{expr}' exceeds the cost limit: estimated cost {cost}, the limit is {limit}"
    )]
    CostLimit {
        /// The expression.
        expr: String,
        /// The estimated cost for the given variables.
        cost: u64,
        /// The limit.
        limit: u64,
    },
    /// Evaluation failed, e.g. a missing field or no matching overload.
    #[error("failed to evaluate the CEL expression '{expr}': {message}")]
    Evaluate {
        /// The expression.
        expr: String,
        /// What went wrong.
        message: String,
    },
    /// The result does not have the type the caller asked for.
    #[error("failed to evaluate CEL expression as {expected}: '{expr}'")]
    ResultType {
        /// The expression.
        expr: String,
        /// The type the caller asked for.
        expected: &'static str,
    },
    /// A `healthCheckExprs` entry is invalid.
    #[error("failed to create custom status reader for healthchecks[{index}]: {message}")]
    HealthCheck {
        /// The entry's index.
        index: usize,
        /// What is wrong with it, naming the expression.
        message: String,
    },
    /// The result has no JSON form (an optional, a type, a function).
    #[error("the result of the CEL expression '{expr}' has no JSON form: {kind}")]
    Unrepresentable {
        /// The expression.
        expr: String,
        /// The CEL type of the result.
        kind: String,
    },
}
