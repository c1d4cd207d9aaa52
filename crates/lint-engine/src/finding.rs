//! Findings: what a rule reports, with a primary span and related spans in other files.

use serde::{Deserialize, Serialize};

use crate::source::{FileId, Span};

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" | "note" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in a file with an optional message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

impl Label {
    pub fn new(file: FileId, span: Span, message: impl Into<String>) -> Self {
        Label {
            file,
            span,
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule_id: String,
    pub rule_name: String,
    pub severity: Severity,
    /// What is wrong: lowercase start, no trailing period, values in backticks.
    pub message: String,
    /// Where the user must act first; always inside the resource the rule looked at.
    pub primary: Label,
    /// Related places, often in other files.
    pub related: Vec<Label>,
    /// What to do, in the imperative.
    pub help: Option<String>,
    /// Why, or context.
    pub notes: Vec<String>,
    /// For a missing key: the path that should exist, e.g. `containerDefinitions[0].stopTimeout`.
    pub missing_path: Option<String>,
    /// A stable logical location, e.g. `aws_ecs_task_definition.app/containerDefinitions[app]`,
    /// used for fingerprints that survive unrelated edits.
    pub logical_path: Option<String>,
}

impl Finding {
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
    pub fn with_related(mut self, label: Label) -> Self {
        self.related.push(label);
        self
    }
    pub fn with_severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }
    pub fn with_missing(mut self, path: impl Into<String>) -> Self {
        self.missing_path = Some(path.into());
        self
    }
    pub fn with_logical(mut self, path: impl Into<String>) -> Self {
        self.logical_path = Some(path.into());
        self
    }
}
