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

/// Which Terraform resources a rule's [`Rule::check_tf_resource`] is shown ([`Rule::tf_resources`]),
/// in model order, among those of the files of its `inputs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TfResources {
    /// None: the rule has no `check_tf_resource`.
    None,
    /// Every resource, managed or data source.
    All,
    /// The managed resources of these types (`aws_ecs_service`, …).
    Managed(&'static [&'static str]),
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
/// kind. `check_tf_resource` is called only for the resources [`Rule::tf_resources`] names
/// (none unless the rule says otherwise). `check_model` sees the whole model, since a
/// cross-file rule joins resources of any kind.
/// A rule may read the whole model, but the primary label of a finding must point into the
/// resource being checked (related labels may point anywhere).
pub trait Rule: RuleMetadata + Send + Sync {
    fn check_task_def(&self, _td: &TaskDef<'_>, _cx: &mut RuleContext<'_, '_>) {}
    fn check_workload(&self, _w: &Workload<'_>, _cx: &mut RuleContext<'_, '_>) {}
    fn check_tf_resource(&self, _r: &TfResource<'_>, _cx: &mut RuleContext<'_, '_>) {}
    /// The Terraform resources [`Rule::check_tf_resource`] is called for. A rule that implements
    /// that hook says which here; the default is none, so that the resources of a large plan
    /// are not walked once for every rule without the hook.
    fn tf_resources(&self) -> TfResources {
        TfResources::None
    }
    /// Whether every finding and unresolved input of this rule's `check_task_def`,
    /// `check_workload` and `check_tf_resource` is located in the files of the resource checked
    /// (a task definition's file and its containers' files, a workload's file, a Terraform
    /// resource's file). A run that reports on some files only (`--repo-context`,
    /// [`RuleContext::reports_on`]) then skips those hooks for resources of other files. Debug
    /// builds (the tests) check it after every call and panic on a location elsewhere. The
    /// default is false: the hooks see every resource.
    fn local_hooks(&self) -> bool {
        false
    }
    fn check_model(&self, _cx: &mut RuleContext<'_, '_>) {}
    /// Called once after every rule has run, with the inputs the rules of this run recorded
    /// as unresolved ([`RuleContext::unresolved`]), deduplicated and in output order. Only the
    /// rule that reports skipped inputs implements it.
    fn report_unresolved(&self, _inputs: &[Unresolved], _cx: &mut RuleContext<'_, '_>) {}
}

/// A value a rule needed but could not know (a namespace, an image, a target version, a
/// Terraform expression), so it skipped a check: recorded through
/// [`RuleContext::unresolved`] and reported once by the unresolved-input rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    pub file: FileId,
    pub span: Span,
    /// What is unknown, e.g. "the grace period of Deployment `web`".
    pub what: String,
    /// Why it is unknown, e.g. "`{{ .Values.grace }}` is not a number".
    pub why: String,
    /// The rules that skipped a check because of it, sorted (several when they share it).
    pub rules: Vec<&'static str>,
    /// Logical path of the value, for baselines.
    pub logical: Option<String>,
    /// How to make the value known, when the general advice does not fit.
    pub help: Option<String>,
}

impl Unresolved {
    /// Sort into output order and merge records of the same span and `what` (the first
    /// reason wins; the rules are united), so the report is the same for any thread count.
    pub fn merge(mut all: Vec<Unresolved>, db: &crate::source::SourceDb) -> Vec<Unresolved> {
        all.sort_by(|a, b| {
            db.get(a.file)
                .name
                .cmp(&db.get(b.file).name)
                .then(a.span.start.cmp(&b.span.start))
                .then(a.span.end.cmp(&b.span.end))
                .then(a.what.cmp(&b.what))
                .then(a.why.cmp(&b.why))
                .then(a.rules.cmp(&b.rules))
        });
        let mut out: Vec<Unresolved> = Vec::with_capacity(all.len());
        for u in all {
            match out.last_mut() {
                Some(last) if last.file == u.file && last.span == u.span && last.what == u.what => {
                    last.rules.extend(u.rules);
                    last.rules.sort_unstable();
                    last.rules.dedup();
                    if last.logical.is_none() {
                        last.logical = u.logical;
                    }
                }
                _ => out.push(u),
            }
        }
        out
    }
}

/// What a rule sees while it runs, and where its findings go.
pub struct RuleContext<'m, 'a> {
    pub meta: &'static RuleMeta,
    pub model: &'m Model<'a>,
    pub config: &'m Config,
    pub findings: Vec<Finding>,
    /// Inputs this rule skipped because it could not know them (see [`Unresolved`]).
    pub unresolved: Vec<Unresolved>,
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
            unresolved: Vec::new(),
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

    /// Whether this run reports the findings located in `file`. A `--repo-context` run reports
    /// on the given files only (with every input as context); a rule may skip the work whose
    /// findings would all be located in files it does not report on, and must not skip any
    /// other (work whose findings may land elsewhere, facts, unresolved inputs). Always true in
    /// a full check. A file rendered from the repository (Kustomize, Helm) is reported on when
    /// any file its objects come from is.
    pub fn reports_on(&self, file: FileId) -> bool {
        self.shared.reports_on(file)
    }

    /// [`Self::reports_on`] for one of the files of a task definition: its own, or a file its
    /// container definitions are read from.
    pub fn reports_on_task_def(&self, td: &TaskDef<'_>) -> bool {
        td.files().any(|f| self.reports_on(f))
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

    /// Record that this rule skipped a check because it cannot know the value at `span`:
    /// `what` names the value, `why` says why it is unknown. The unresolved-input rule
    /// reports each (span, what) once, naming every rule that skipped it. Returns the record
    /// so that a caller can add a logical path.
    pub fn unresolved(
        &mut self,
        file: FileId,
        span: Span,
        what: impl Into<String>,
        why: impl Into<String>,
    ) -> &mut Unresolved {
        self.unresolved.push(Unresolved {
            file,
            span,
            what: what.into(),
            why: why.into(),
            rules: vec![self.meta.id],
            logical: None,
            help: None,
        });
        let last = self.unresolved.len() - 1;
        &mut self.unresolved[last]
    }

    /// How many findings and unresolved inputs this context holds (for [`Self::check_local`]).
    pub(crate) fn marks(&self) -> (usize, usize) {
        (self.findings.len(), self.unresolved.len())
    }

    /// In debug builds, when the rule declares [`Rule::local_hooks`]: every finding and
    /// unresolved input recorded since `at` is located in a file of the resource checked.
    pub(crate) fn check_local(
        &self,
        local: bool,
        at: (usize, usize),
        of_resource: impl Fn(FileId) -> bool,
    ) {
        if cfg!(debug_assertions) && local {
            let findings = self.findings.get(at.0..).unwrap_or_default();
            let unresolved = self.unresolved.get(at.1..).unwrap_or_default();
            let elsewhere = findings
                .iter()
                .map(|f| f.primary.file)
                .chain(unresolved.iter().map(|u| u.file))
                .find(|&f| !of_resource(f));
            assert!(
                elsewhere.is_none(),
                "rule {} declares local hooks, but a hook reported in file {elsewhere:?}, not in a file of the resource checked",
                self.meta.id
            );
        }
    }

    /// Append the findings and unresolved inputs of a [`RuleContext::fork`].
    pub fn join(&mut self, other: RuleContext<'m, 'a>) {
        self.findings.extend(other.findings);
        self.unresolved.extend(other.unresolved);
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
