//! The rule trait, rule metadata and the `declare_rule!` macro.

use crate::config::Config;
use crate::finding::{Finding, Label, Severity};
use crate::model::{Model, TaskDef, TfResource, Workload};
use crate::shared::{Fact, FactContext, Shared};
use crate::source::{FileId, FileKind, Span};

/// Static description of a rule. `docs` is the rule's doc comment, the single source of its page
/// in `rules-docs/`.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable ID: `<DOMAIN><NNN>`, never reused.
    pub id: &'static str,
    /// kebab-case name of the flagged pattern.
    pub name: &'static str,
    pub default_severity: Severity,
    /// One line: what the rule flags.
    pub summary: &'static str,
    /// Markdown documentation (from the doc comment).
    pub docs: &'static str,
    /// Input kinds it reads.
    pub inputs: &'static [FileKind],
    /// Joins more than one resource or file.
    pub cross_file: bool,
    /// Security-relevant (SARIF `security-severity`), e.g. IAM rules.
    pub security: bool,
    /// Source file declaring the rule (for docs); for a plugin rule, the plugin's executable.
    pub source: &'static str,
    /// Documentation URL given by a rule plugin (`None` for built-in rules: renderers derive it
    /// from the ID).
    pub help_uri: Option<&'static str>,
}

impl RuleMeta {
    /// Whether the rule declares files of `kind` among its inputs (the runner shows it nothing
    /// else). A new file kind needs no change here: a rule opts in by naming it in `inputs`.
    pub fn reads(&self, kind: FileKind) -> bool {
        self.inputs.contains(&kind)
    }
}

/// The metadata of a rule. [`declare_rule!`] implements it; a rule file never writes it by hand.
pub trait RuleMetadata {
    fn meta(&self) -> &'static RuleMeta;
}

/// A lint rule: the checks of a type declared with [`declare_rule!`] (which provides
/// [`RuleMetadata::meta`]).
///
/// The runner calls `check_task_def`, `check_workload` and `check_tf_resource` once per resource
/// loaded from a file of a kind listed in the rule's `inputs` (other resources are never shown
/// to the rule), and `check_model` once per run when at least one loaded file is of a declared
/// kind. `check_model` sees the whole model, since a cross-file rule joins resources of any kind.
/// A rule may read the whole model, but the primary label of a finding must point into the
/// resource being checked (related labels may point anywhere).
pub trait Rule: RuleMetadata + Send + Sync {
    fn check_task_def(&self, _td: &TaskDef<'_>, _cx: &mut RuleContext<'_, '_>) {}
    fn check_workload(&self, _w: &Workload<'_>, _cx: &mut RuleContext<'_, '_>) {}
    fn check_tf_resource(&self, _r: &TfResource<'_>, _cx: &mut RuleContext<'_, '_>) {}
    fn check_model(&self, _cx: &mut RuleContext<'_, '_>) {}
}

/// What a rule sees while it runs, and where its findings go.
pub struct RuleContext<'m, 'a> {
    pub meta: &'static RuleMeta,
    pub model: &'m Model<'a>,
    pub config: &'m Config,
    pub findings: Vec<Finding>,
    shared: &'m Shared<'m, 'a>,
}

impl<'m, 'a: 'm> RuleContext<'m, 'a> {
    pub fn new(
        meta: &'static RuleMeta,
        model: &'m Model<'a>,
        config: &'m Config,
        shared: &'m Shared<'m, 'a>,
    ) -> Self {
        RuleContext {
            meta,
            model,
            config,
            findings: Vec::new(),
            shared,
        }
    }

    /// An empty context of the same rule and run, for checking parts of the model in parallel;
    /// append its findings to this one's in input order.
    pub fn fork(&self) -> RuleContext<'m, 'a> {
        RuleContext::new(self.meta, self.model, self.config, self.shared)
    }

    /// The value of the per-run shared fact `F` (built on first use, then shared between rules):
    /// e.g. `cx.shared::<IamIndex>()` (the IAM index of the semantic crate).
    pub fn shared<F: Fact>(&self) -> &'m F::Value<'m, 'a> {
        FactContext::new(self.model, self.config, self.shared).get::<F>()
    }

    /// A finding of this rule at its default severity; add parts, then [`RuleContext::emit`].
    pub fn finding(&self, file: FileId, span: Span, message: impl Into<String>) -> Finding {
        Finding {
            rule_id: self.meta.id.to_string(),
            rule_name: self.meta.name.to_string(),
            severity: self.meta.default_severity,
            message: message.into(),
            primary: Label::new(file, span, ""),
            related: Vec::new(),
            help: None,
            notes: Vec::new(),
            missing_path: None,
            logical_path: None,
        }
    }

    pub fn emit(&mut self, f: Finding) {
        self.findings.push(f);
    }
}

/// Declare a rule: a unit struct, its [`RuleMeta`] (docs from the doc comment) and its
/// [`RuleMetadata`] impl. The rule file then only writes `impl Rule for <Type>` with its checks.
///
/// ```ignore
/// declare_rule! {
///     /// ## What it does
///     /// …
///     pub MissingStopTimeout {
///         id: "ECS001",
///         name: "missing-stop-timeout",
///         severity: Warning,
///         summary: "essential container without a stopTimeout long enough to drain",
///         inputs: [TaskDef, TfJson, TfPlan],
///         cross_file: false,
///         security: false,
///     }
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:expr])*
        pub $ty:ident {
            id: $id:expr,
            name: $name:expr,
            severity: $sev:ident,
            summary: $summary:expr,
            inputs: [$($kind:ident),* $(,)?],
            cross_file: $cross:expr,
            security: $sec:expr $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Default, Clone, Copy)]
        pub struct $ty;

        impl $ty {
            pub const META: $crate::rule::RuleMeta = $crate::rule::RuleMeta {
                id: $id,
                name: $name,
                default_severity: $crate::finding::Severity::$sev,
                summary: $summary,
                docs: concat!($($doc, "\n"),*),
                inputs: &[$($crate::source::FileKind::$kind),*],
                cross_file: $cross,
                security: $sec,
                source: file!(),
                help_uri: None,
            };
        }

        impl $crate::rule::RuleMetadata for $ty {
            fn meta(&self) -> &'static $crate::rule::RuleMeta {
                &Self::META
            }
        }
    };
}
