//! The rule-plugin protocol, version 1: the host's side of `rules --protocol 1` and
//! `check --protocol 1` (the answers, their checks, and the request sent to a plugin).
//! How plugins are run is in [`super::process`]; how their findings join the built-in ones in
//! [`super::merge`].

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value as Json;

use lint_engine::{FileId, FileKind, Finding, Label, RuleMeta, Severity, SourceDb, Span};

use crate::plugin;

use super::process::call;

/// The protocol version this host speaks.
pub const PROTOCOL: u64 = 1;

/// Default time a plugin may take for one invocation.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// ID prefixes of built-in rule domains: plugins may not use them.
pub(crate) const RESERVED_PREFIXES: &[&str] = &["ECS", "K8S", "NET", "IAM", "PAR", "LINT"];

pub(crate) const RULES_SCHEMA: &str = include_str!("../../../../schemas/plugin-rules-v1.json");
pub(crate) const RESPONSE_SCHEMA: &str =
    include_str!("../../../../schemas/plugin-response-v1.json");

/// One error about one plugin.
#[derive(Debug, Clone)]
pub struct PluginError {
    pub plugin: String,
    pub message: String,
    /// The last lines the plugin wrote on standard error, if any.
    pub stderr: Vec<String>,
}

impl PluginError {
    pub(crate) fn new(plugin: &str, message: impl Into<String>) -> Self {
        PluginError {
            plugin: plugin.to_string(),
            message: message.into(),
            stderr: Vec::new(),
        }
    }

    /// `error: plugin `acme`: …` and the plugin's last stderr lines, for standard error.
    pub fn render(&self) -> String {
        let mut s = format!("error: plugin `{}`: {}", self.plugin, self.message);
        if !self.stderr.is_empty() {
            s.push_str("\n  = plugin stderr (last lines):");
            for l in &self.stderr {
                s.push_str("\n    ");
                s.push_str(l);
            }
        }
        s
    }
}

/// A plugin whose rules were read.
#[derive(Debug, Clone)]
pub struct RulePlugin {
    pub name: String,
    pub path: PathBuf,
    pub rules: Vec<&'static RuleMeta>,
    /// Built-in rules this plugin replaces where it evaluated them (see the module docs).
    pub supersedes: Vec<&'static RuleMeta>,
    /// Built-in rules this plugin adds findings to.
    pub extends: Vec<&'static RuleMeta>,
}

impl RulePlugin {
    /// The built-in rule `id` if this plugin extends or supersedes it.
    pub(crate) fn builtin(&self, id: &str) -> Option<&'static RuleMeta> {
        self.supersedes
            .iter()
            .chain(&self.extends)
            .find(|m| m.id == id)
            .copied()
    }
}

pub(crate) fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

pub(crate) struct Schemas {
    pub(crate) rules: jsonschema::Validator,
    pub(crate) response: jsonschema::Validator,
}

pub(crate) fn schemas() -> Result<&'static Schemas, String> {
    static S: OnceLock<Result<Schemas, String>> = OnceLock::new();
    S.get_or_init(|| {
        let compile = |text: &str, name: &str| {
            let v: Json = serde_json::from_str(text).map_err(|e| format!("{name}: {e}"))?;
            jsonschema::validator_for(&v).map_err(|e| format!("{name}: {e}"))
        };
        Ok(Schemas {
            rules: compile(RULES_SCHEMA, "plugin-rules-v1.json")?,
            response: compile(RESPONSE_SCHEMA, "plugin-response-v1.json")?,
        })
    })
    .as_ref()
    .map_err(|e| format!("internal error: bad bundled schema {e}"))
}

// ---------------------------------------------------------------------------------------------
// `rules --protocol 1`

#[derive(Deserialize)]
pub(crate) struct RulesAnswer {
    rules: Vec<RuleInfo>,
    #[serde(default)]
    supersedes: Vec<String>,
    #[serde(default)]
    extends: Vec<String>,
}

#[derive(Deserialize)]
pub(crate) struct RuleInfo {
    id: String,
    name: String,
    default_severity: String,
    summary: String,
    help_markdown: Option<String>,
    help_uri: Option<String>,
    #[serde(default)]
    security: bool,
}

pub(crate) const ALL_KINDS: &[FileKind] = &[
    FileKind::K8s,
    FileKind::TaskDef,
    FileKind::TfJson,
    FileKind::TfPlan,
];

pub(crate) fn read_rules(name: &str, timeout: Duration) -> Result<RulePlugin, PluginError> {
    let Some(path) = plugin::find(name) else {
        let installed = plugin::discover();
        let hint = plugin::closest(name, installed.keys().map(String::as_str))
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        return Err(PluginError::new(
            name,
            format!(
                "no executable `{}{name}` on PATH or in ~/.cutover/bin (it is enabled by \
                 `plugins` in cutover.toml or `--plugin`){hint}",
                plugin::PREFIX
            ),
        ));
    };
    let schemas = schemas().map_err(|e| PluginError::new(name, e))?;
    let (v, _) = call(
        name,
        &path,
        "rules",
        None,
        timeout,
        &schemas.rules,
        "plugin-rules-v1.json",
    )?;
    let answer: RulesAnswer = serde_json::from_value(v)
        .map_err(|e| PluginError::new(name, format!("invalid `rules` answer: {e}")))?;
    let mut seen = HashSet::new();
    let mut rules = Vec::with_capacity(answer.rules.len());
    for r in answer.rules {
        let prefix = r.id.trim_end_matches(|c: char| c.is_ascii_digit());
        if RESERVED_PREFIXES.contains(&prefix) {
            return Err(PluginError::new(
                name,
                format!(
                    "rule `{}` uses the prefix `{prefix}` reserved for built-in rules; choose \
                     another prefix",
                    r.id
                ),
            ));
        }
        if let Some(b) = cutover_rules::all()
            .iter()
            .find(|b| b.meta().id == r.id || b.meta().name == r.name)
        {
            return Err(PluginError::new(
                name,
                format!(
                    "rule `{}` (`{}`) collides with built-in rule `{}` (`{}`)",
                    r.id,
                    r.name,
                    b.meta().id,
                    b.meta().name
                ),
            ));
        }
        if !seen.insert(r.id.clone()) {
            return Err(PluginError::new(
                name,
                format!("rule `{}` is declared twice", r.id),
            ));
        }
        let Some(sev) = Severity::parse(&r.default_severity) else {
            return Err(PluginError::new(
                name,
                format!("rule `{}` has an invalid severity", r.id),
            ));
        };
        let docs = r.help_markdown.unwrap_or_else(|| {
            format!(
                "## What it does\n{}.\n\nProvided by the plugin `{}{name}`.\n",
                r.summary,
                plugin::PREFIX
            )
        });
        // `RuleMeta::docs` holds doc-comment text: every line carries one leading space.
        let docs: String = docs.lines().map(|l| format!(" {l}\n")).collect();
        let meta: &'static RuleMeta = Box::leak(Box::new(RuleMeta {
            id: leak(r.id),
            name: leak(r.name),
            default_severity: sev,
            summary: leak(r.summary),
            docs: leak(docs),
            inputs: ALL_KINDS,
            cross_file: false,
            security: r.security,
            source: leak(path.display().to_string()),
            help_uri: r.help_uri.map(leak),
        }));
        rules.push(meta);
    }
    let builtins = |member: &str, ids: &[String]| -> Result<Vec<&'static RuleMeta>, PluginError> {
        let mut out: Vec<&'static RuleMeta> = Vec::new();
        for id in ids {
            let Some(b) = cutover_rules::all().iter().find(|b| b.meta().id == id) else {
                return Err(PluginError::new(
                    name,
                    format!("`{member}` names `{id}`, which is not a built-in rule"),
                ));
            };
            if out.iter().any(|m| m.id == id) {
                return Err(PluginError::new(
                    name,
                    format!("`{member}` names `{id}` twice"),
                ));
            }
            out.push(b.meta());
        }
        Ok(out)
    };
    let supersedes = builtins("supersedes", &answer.supersedes)?;
    let extends = builtins("extends", &answer.extends)?;
    if let Some(m) = extends
        .iter()
        .find(|m| supersedes.iter().any(|s| s.id == m.id))
    {
        return Err(PluginError::new(
            name,
            format!(
                "built-in rule `{}` is in both `supersedes` and `extends`; name it in one",
                m.id
            ),
        ));
    }
    Ok(RulePlugin {
        name: name.to_string(),
        path,
        rules,
        supersedes,
        extends,
    })
}

/// Ask every enabled plugin for its rules, in parallel. A plugin whose rule ID or name is already
/// taken by an earlier plugin fails.
pub fn load(names: &[String], timeout: Duration) -> (Vec<RulePlugin>, Vec<PluginError>) {
    let results: Vec<Result<RulePlugin, PluginError>> = std::thread::scope(|s| {
        let handles: Vec<_> = names
            .iter()
            .map(|n| s.spawn(move || read_rules(n, timeout)))
            .collect();
        handles
            .into_iter()
            .zip(names)
            .map(|(h, n)| {
                h.join()
                    .unwrap_or_else(|_| Err(PluginError::new(n, "internal error: host panicked")))
            })
            .collect()
    });
    let mut ok: Vec<RulePlugin> = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(p) => {
                let taken = p.supersedes.iter().find_map(|m| {
                    ok.iter()
                        .find(|o| o.supersedes.iter().any(|x| x.id == m.id))
                        .map(|o| (m.id, &o.name))
                });
                if let Some((id, other)) = taken {
                    errors.push(PluginError::new(
                        &p.name,
                        format!("supersedes built-in rule `{id}`, which plugin `{other}` already supersedes"),
                    ));
                    continue;
                }
                let clash = p.rules.iter().find_map(|m| {
                    ok.iter().find_map(|o| {
                        o.rules
                            .iter()
                            .find(|x| x.id == m.id || x.name == m.name)
                            .map(|x| (m, &o.name, x))
                    })
                });
                match clash {
                    Some((m, other, x)) => errors.push(PluginError::new(
                        &p.name,
                        format!(
                            "rule `{}` (`{}`) collides with rule `{}` (`{}`) of plugin `{other}`",
                            m.id, m.name, x.id, x.name
                        ),
                    )),
                    None => ok.push(p),
                }
            }
            Err(e) => errors.push(e),
        }
    }
    (ok, errors)
}

// ---------------------------------------------------------------------------------------------
// `check --protocol 1`

#[derive(Deserialize)]
pub(crate) struct CheckAnswer {
    findings: Vec<WireFinding>,
    #[serde(default)]
    evaluated: Vec<WireEvaluated>,
}

/// A place the plugin evaluated for a superseded rule.
#[derive(Deserialize)]
pub(crate) struct WireEvaluated {
    rule_id: String,
    location: WireLocation,
}

/// `(rule ID, file, span)` of the places where a plugin answered for a built-in rule.
pub type Answered = HashSet<(&'static str, FileId, Span)>;

#[derive(Deserialize)]
pub(crate) struct WireFinding {
    rule_id: String,
    message: String,
    severity: Option<String>,
    location: WireLocation,
    help: Option<String>,
    #[serde(default)]
    notes: Vec<String>,
    #[serde(default)]
    related: Vec<WireLabel>,
    missing_path: Option<String>,
    logical_path: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct WireLabel {
    location: WireLocation,
    message: String,
}

#[derive(Deserialize)]
pub(crate) struct WireLocation {
    file: String,
    document: Option<usize>,
    pointer: Option<String>,
    target: Option<String>,
    start_byte: Option<u64>,
    end_byte: Option<u64>,
}

/// Resolve a wire location to a file and an exact span.
pub(crate) fn resolve(
    db: &SourceDb,
    files: &HashMap<&str, FileId>,
    loc: &WireLocation,
) -> Result<(FileId, Span), String> {
    let Some(&id) = files.get(loc.file.as_str()) else {
        return Err(format!(
            "names the file `{}`, which is not in the request",
            loc.file
        ));
    };
    let f = db.get(id);
    if let Some(ptr) = &loc.pointer {
        let d = loc.document.unwrap_or(0);
        let Some(doc) = f.docs.get(d) else {
            return Err(format!(
                "names document {d} of `{}`, which has {} document(s)",
                f.name,
                f.docs.len()
            ));
        };
        let Some((node, key)) = doc.pointer(ptr) else {
            return Err(format!(
                "pointer `{ptr}` does not exist in document {d} of `{}`",
                f.name
            ));
        };
        return match (loc.target.as_deref().unwrap_or("value"), key) {
            ("key", Some(k)) => Ok((id, k)),
            ("member", Some(k)) => Ok((id, k.cover(node.span))),
            ("key" | "member", None) => Err(format!(
                "pointer `{ptr}` in `{}` is not an object member, so it has no key",
                f.name
            )),
            _ => Ok((id, node.span)),
        };
    }
    let (Some(s), Some(e)) = (loc.start_byte, loc.end_byte) else {
        return Err("has neither a pointer nor a byte range".into());
    };
    let len = f.text.len() as u64;
    if s > e || e > len {
        return Err(format!(
            "byte range {s}..{e} is outside `{}` ({len} bytes)",
            f.name
        ));
    }
    if !f.text.is_char_boundary(s as usize) || !f.text.is_char_boundary(e as usize) {
        return Err(format!(
            "byte range {s}..{e} of `{}` splits a UTF-8 character",
            f.name
        ));
    }
    Ok((id, Span::new(s as u32, e as u32)))
}

/// Turn a checked answer into findings of the plugin's enabled rules, and the places where it
/// answered for built-in rules (see the module docs).
pub(crate) fn findings_of(
    p: &RulePlugin,
    answer: Json,
    db: &SourceDb,
    enabled: &HashSet<&str>,
    builtin: &HashSet<&str>,
) -> Result<(Vec<Finding>, Answered), String> {
    let answer: CheckAnswer =
        serde_json::from_value(answer).map_err(|e| format!("invalid `check` answer: {e}"))?;
    let files: HashMap<&str, FileId> = db.iter().map(|f| (f.name.as_str(), f.id)).collect();
    let mut out = Vec::new();
    let mut answered = Answered::new();
    for (i, w) in answer.findings.into_iter().enumerate() {
        let own = p.rules.iter().find(|m| m.id == w.rule_id).copied();
        let extended = p.builtin(&w.rule_id);
        let Some(meta) = own.or(extended) else {
            return Err(format!(
                "finding {i} is for `{}`, which is neither one of its rules nor a rule it \
                 extends or supersedes (see `{}{} rules --protocol 1`)",
                w.rule_id,
                plugin::PREFIX,
                p.name
            ));
        };
        let on = if own.is_some() {
            enabled.contains(meta.id)
        } else {
            builtin.contains(meta.id)
        };
        if !on {
            continue;
        }
        let ctx = |e: String| format!("finding {i} ({}) {e}", w.rule_id);
        let (file, span) = resolve(db, &files, &w.location).map_err(ctx)?;
        if extended.is_some() {
            answered.insert((meta.id, file, span));
        }
        let mut related = Vec::with_capacity(w.related.len());
        for r in &w.related {
            let (rf, rs) = resolve(db, &files, &r.location).map_err(ctx)?;
            related.push(Label::new(rf, rs, r.message.clone()));
        }
        let severity = match w.severity.as_deref() {
            None => meta.default_severity,
            Some(s) => Severity::parse(s).unwrap_or(meta.default_severity),
        };
        out.push(Finding {
            rule_id: meta.id.to_string(),
            rule_name: meta.name.to_string(),
            severity,
            message: w.message,
            primary: Label::new(file, span, ""),
            related,
            help: w.help,
            notes: w.notes,
            missing_path: w.missing_path,
            logical_path: w.logical_path,
        });
    }
    for (i, e) in answer.evaluated.into_iter().enumerate() {
        let Some(meta) = p.supersedes.iter().find(|m| m.id == e.rule_id) else {
            return Err(format!(
                "`evaluated` entry {i} is for `{}`, which is not a rule it supersedes",
                e.rule_id
            ));
        };
        if !builtin.contains(meta.id) {
            continue;
        }
        let (file, span) = resolve(db, &files, &e.location)
            .map_err(|m| format!("`evaluated` entry {i} ({}) {m}", e.rule_id))?;
        answered.insert((meta.id, file, span));
    }
    Ok((out, answered))
}
