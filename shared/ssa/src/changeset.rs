//! The change set of an apply or prune, printed as Flux prints it: `Kind/ns/name configured`.

use std::fmt;

use crate::object::ObjMetadata;

/// What happened to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The object did not exist and was created.
    Created,
    /// The object existed and had drifted; it was patched.
    Configured,
    /// The object matched the desired state; nothing was sent.
    Unchanged,
    /// The object was deleted (prune).
    Deleted,
    /// The object was left alone (`ssa: Ignore`/`IfNotPresent`, `prune: disabled`).
    Skipped,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Created => "created",
            Action::Configured => "configured",
            Action::Unchanged => "unchanged",
            Action::Deleted => "deleted",
            Action::Skipped => "skipped",
        })
    }
}

/// One object's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSetEntry {
    /// The object.
    pub object: ObjMetadata,
    /// What happened.
    pub action: Action,
}

impl fmt::Display for ChangeSetEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.object, self.action)
    }
}

/// The outcomes of a set of objects, in apply order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// The entries.
    pub entries: Vec<ChangeSetEntry>,
}

impl ChangeSet {
    /// Appends the entries of another change set.
    pub fn append(&mut self, other: ChangeSet) {
        self.entries.extend(other.entries);
    }

    /// Adds one entry.
    pub fn add(&mut self, object: ObjMetadata, action: Action) {
        self.entries.push(ChangeSetEntry { object, action });
    }

    /// Whether any object was created, configured or deleted.
    pub fn has_changes(&self) -> bool {
        self.entries.iter().any(|e| {
            matches!(
                e.action,
                Action::Created | Action::Configured | Action::Deleted
            )
        })
    }

    /// The entries that changed something, one per line (the Flux event message).
    pub fn changes_message(&self) -> String {
        self.entries
            .iter()
            .filter(|e| !matches!(e.action, Action::Unchanged | Action::Skipped))
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl fmt::Display for ChangeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}
