//! SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
//!
//! * One run. `tool.driver.rules` has a `reportingDescriptor` for every enabled rule (so every
//!   rule that can fire), with the rule's documentation as `help` (text and markdown) and
//!   `helpUri`; security rules carry `properties.security-severity`.
//! * Every result has `ruleId`, `ruleIndex`, `level`, a message, a physical location with a URI
//!   relative to `%SRCROOT%` (the repository root: nearest `cutover.toml` or `.git`), a full
//!   region with a snippet and a context region (a window around the region on long lines); related labels become `relatedLocations`.
//! * `partialFingerprints["cutover/v1"]` is content-based (see `fingerprint.rs`): it survives
//!   lines inserted above, so dismissed alerts stay dismissed.
//! * Suppressed findings are results with `suppressions` (`inSource` for comments and
//!   annotations, `external` for `cutover.toml`) and the justification.
//! * With `--baseline`, new findings have `baselineState: "new"` and the findings the baseline
//!   has are still results, with `baselineState: "unchanged"` (and `properties.baselined`).
//!   Code scanning closes as fixed every alert whose result is missing from an upload, so
//!   leaving them out would close them; kept, their alerts stay as they were (open, or
//!   dismissed by a person: fingerprints are stable). GitHub does not act on `baselineState`.
//!   A baseline is not a suppression, so they get no `suppressions` entry.
//! * Input errors are `invocations[0].toolExecutionNotifications` with their locations, and
//!   make `executionSuccessful` false.
//!
//! Columns count Unicode code points (`columnKind: unicodeCodePoints`).

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::human::{floor_boundary, line_bounds};
use super::stream::Part;
use super::{display_path, error_lines, span_lines, RelPaths, Report};
use crate::fingerprint;
use lint_engine::{FileId, Finding, Label, RuleMeta, Severity, Span};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
pub const INFORMATION_URI: &str = "https://github.com/cutover-dev/cutover";
pub const SRCROOT: &str = "%SRCROOT%";

/// Above this many bytes of whole-line context, the context region is a window instead.
const MAX_CONTEXT_BYTES: usize = 2048;
/// Characters of context either side of the region in that window.
const CONTEXT_CHARS: usize = 120;

pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// GitHub's scale: critical > 9.0, high 7.0–8.9, medium 4.0–6.9, low 0.1–3.9.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "8.0",
        Severity::Warning => "5.5",
        Severity::Info => "2.0",
    }
}

/// A sentence for SARIF: capitalised first letter kept as written, one final period.
fn sentence(s: &str) -> String {
    let t = s.trim_end();
    if t.ends_with(['.', '!', '?']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// `missing-stop-timeout` → `MissingStopTimeout` (SARIF's convention for rule names).
fn pascal(name: &str) -> String {
    name.split(['-', '_']).map(capitalised).collect()
}

/// Percent-encode a relative path for a URI (RFC 3986 unreserved characters and `/` kept).
pub fn encode_uri_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `file:///abs/root/` for `originalUriBaseIds`.
fn file_uri_dir(root: &Path) -> String {
    let s = root.to_string_lossy().replace('\\', "/");
    let s = if s.starts_with('/') {
        s
    } else {
        format!("/{s}")
    };
    let mut u = format!("file://{}", encode_uri_path(&s));
    if !u.ends_with('/') {
        u.push('/');
    }
    u
}

/// The text of a rule's "What it does" section (for `fullDescription`).
fn what_it_does(page: &str) -> Option<String> {
    let start = page.find("## What it does")?;
    let body = &page[start + "## What it does".len()..];
    let end = body.find("\n## ").unwrap_or(body.len());
    let text = body[..end].trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn descriptor(m: &RuleMeta) -> Value {
    let page = cutover_rules::doc_page(m);
    let full = what_it_does(&page).unwrap_or_else(|| capitalised(m.summary));
    let mut tags = vec![Value::from("cutover")];
    tags.push(Value::from(
        m.id.trim_end_matches(|c: char| c.is_ascii_digit())
            .to_ascii_lowercase(),
    ));
    for k in m.inputs {
        tags.push(Value::from(k.as_str()));
    }
    if m.security {
        tags.push(Value::from("security"));
    }
    let mut seen = std::collections::HashSet::new();
    tags.retain(|t| seen.insert(t.to_string()));
    let mut props = Map::new();
    props.insert("tags".into(), Value::Array(tags));
    props.insert("cutoverName".into(), Value::from(m.name));
    if m.security {
        props.insert(
            "security-severity".into(),
            Value::from(security_severity(m.default_severity)),
        );
    }
    let mut d = json!({
        "id": m.id,
        "name": pascal(m.name),
        "shortDescription": {"text": sentence(&capitalised(m.summary))},
        "fullDescription": {"text": sentence(&full), "markdown": full},
        "help": {"text": page, "markdown": page},
        "messageStrings": {"default": {"text": MESSAGE_TEMPLATE}},
        "defaultConfiguration": {"level": level(m.default_severity)},
        "properties": Value::Object(props),
    });
    if let Some(u) = cutover_rules::help_url(m) {
        d["helpUri"] = Value::from(u);
    }
    d
}

/// Every rule has one message template; the finding's message is its argument. `text` holds
/// the formatted message as GitHub requires; `id` and `arguments` satisfy SARIF2002.
const MESSAGE_TEMPLATE: &str = "'{0}'.";

fn message(text: &str) -> Value {
    json!({"text": sentence(text), "id": "default", "arguments": [text.trim_end_matches('.')]})
}

struct Ctx<'r, 'a> {
    report: &'r Report<'a>,
    /// What `%SRCROOT%` stands for: the checkout (`GITHUB_WORKSPACE` or the git top level)
    /// holding the repository root, else the repository root itself.
    base: Option<PathBuf>,
    /// Paths of the report's files relative to `base`, each resolved once.
    rels: RelPaths<'a>,
}

impl Ctx<'_, '_> {
    fn rel(&self, path: &Path) -> Option<String> {
        crate::suppress::relative_to(path, self.base.as_deref()?)
    }

    fn artifact(&self, file: FileId) -> Value {
        self.artifact_of(&self.rels.get(file))
    }

    fn artifact_of(&self, rel: &str) -> Value {
        if self.base.is_some() && !rel.starts_with('/') && !rel.starts_with("../") {
            json!({"uri": encode_uri_path(rel), "uriBaseId": SRCROOT})
        } else if rel.starts_with('/') {
            json!({"uri": format!("file://{}", encode_uri_path(rel))})
        } else {
            json!({"uri": encode_uri_path(rel)})
        }
    }

    fn region(&self, file: FileId, span: Span) -> Value {
        let (s, e) = span_lines(self.report.db, file, span);
        let src = self.report.db.get(file);
        let mut r = json!({
            "startLine": s.line, "startColumn": s.col,
            "endLine": e.line, "endColumn": e.col.max(if s.line == e.line { s.col } else { 1 }),
        });
        let text = src.slice(span);
        if !text.is_empty() {
            r["snippet"] = json!({"text": text});
        }
        r
    }

    /// Whole lines around the region (one before, one after); on long lines (minified JSON,
    /// one-line plans) a window of [`CONTEXT_CHARS`] around the region instead, as the human output
    /// does, so one finding never copies megabytes into the log. `None` when that window would be
    /// the region itself (a context region must be larger than its region).
    fn context_region(&self, file: FileId, span: Span) -> Option<Value> {
        let src = self.report.db.get(file);
        let (first, last, lines) = self.whole_lines(file, span);
        if lines.len() <= MAX_CONTEXT_BYTES {
            let text = src.text.get(lines).unwrap_or("");
            return Some(json!({"startLine": first, "endLine": last, "snippet": {"text": text}}));
        }
        let t = &src.text;
        let (ls, _) = line_bounds(src, span.start as usize);
        let (_, le) = line_bounds(src, span.end as usize);
        let from = floor_boundary(
            t,
            (span.start as usize).saturating_sub(CONTEXT_CHARS).max(ls),
        );
        let mut to = (span.end as usize + CONTEXT_CHARS)
            .min(le)
            .max(span.end as usize);
        while to < t.len() && !t.is_char_boundary(to) {
            to += 1;
        }
        if from >= span.start as usize && to <= span.end as usize {
            return None;
        }
        let (s, e) = (src.line_col(from as u32), src.line_col(to as u32));
        Some(json!({
            "startLine": s.line, "startColumn": s.col, "endLine": e.line, "endColumn": e.col,
            "snippet": {"text": t.get(from..to).unwrap_or("")},
        }))
    }

    /// The lines of the region with one before and one after: first and last line numbers and
    /// their byte range (measured before anything is copied: a one-line plan is one line).
    fn whole_lines(&self, file: FileId, span: Span) -> (u32, u32, std::ops::Range<usize>) {
        let src = self.report.db.get(file);
        let (s, e) = span_lines(self.report.db, file, span);
        let first = s.line.saturating_sub(1).max(1);
        let last = (e.line + 1).min(src.lines.line_count() as u32);
        let start = src.lines.line_start(first as usize - 1).unwrap_or(0) as usize;
        let end = src
            .lines
            .line_start(last as usize)
            .map(|x| x as usize)
            .unwrap_or(src.text.len());
        (first, last.max(first), start..end.max(start))
    }

    fn physical(&self, file: FileId, span: Span) -> Value {
        let mut v = json!({
            "artifactLocation": self.artifact(file),
            "region": self.region(file, span),
        });
        if let Some(c) = self.context_region(file, span) {
            v["contextRegion"] = c;
        }
        v
    }

    fn related(&self, id: usize, l: &Label) -> Value {
        let mut v = json!({"id": id, "physicalLocation": self.physical(l.file, l.span)});
        if !l.message.is_empty() {
            v["message"] = json!({"text": sentence(&l.message)});
        }
        v
    }

    fn result(
        &self,
        f: &Finding,
        rule_index: usize,
        fp: &str,
        suppression: Option<(&str, &str)>,
        baselined: bool,
    ) -> Value {
        let mut text = f.message.clone();
        if let Some(m) = &f.missing_path {
            text.push_str(&format!(" (missing `{m}`)"));
        }
        let mut loc = json!({"physicalLocation": self.physical(f.primary.file, f.primary.span)});
        if let Some(l) = &f.logical_path {
            loc["logicalLocations"] = json!([{"fullyQualifiedName": l}]);
        }
        let mut r = json!({
            "ruleId": f.rule_id,
            "ruleIndex": rule_index,
            "level": level(f.severity),
            "message": message(&text),
            "locations": [loc],
            "partialFingerprints": {fingerprint::SARIF_KEY: fp},
        });
        if !f.related.is_empty() {
            r["relatedLocations"] = Value::Array(
                f.related
                    .iter()
                    .enumerate()
                    .map(|(i, l)| self.related(i + 1, l))
                    .collect(),
            );
        }
        let mut props = Map::new();
        if let Some(h) = &f.help {
            props.insert("help".into(), Value::from(h.as_str()));
        }
        if !f.notes.is_empty() {
            props.insert("notes".into(), json!(f.notes));
        }
        if baselined {
            props.insert("baselined".into(), Value::Bool(true));
        }
        if !props.is_empty() {
            r["properties"] = Value::Object(props);
        }
        if let Some((kind, justification)) = suppression {
            r["suppressions"] = json!([{
                "kind": kind, "status": "accepted", "justification": justification,
            }]);
        }
        if self.report.baselined.is_some() && suppression.is_none() {
            r["baselineState"] = json!(if baselined { "unchanged" } else { "new" });
        }
        r
    }
}

pub fn render(w: &mut dyn Write, report: &Report<'_>) -> io::Result<()> {
    let checkout = report.root.and_then(checkout_of);
    let base = match (&checkout, report.root) {
        (Some((top, _)), _) => Some(top.clone()),
        (None, r) => r.map(Path::to_path_buf),
    };
    let rels = RelPaths::new(report.db, base.as_deref());
    let cx = Ctx { report, base, rels };
    let mut rules: Vec<Value> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut metas: Vec<&RuleMeta> = report.rules.to_vec();
    metas.sort_by_key(|m| m.id);
    metas.dedup_by_key(|m| m.id);
    for m in metas {
        index.insert(m.id.to_string(), rules.len());
        rules.push(descriptor(m));
    }
    // Findings of a rule not in the list (never expected): still give them a descriptor.
    let all = report
        .findings
        .iter()
        .chain(report.suppressed.iter().map(|s| &s.finding))
        .chain(report.baselined_findings.iter().map(|(f, _)| f));
    for f in all {
        if !index.contains_key(&f.rule_id) {
            index.insert(f.rule_id.clone(), rules.len());
            rules.push(json!({
                "id": f.rule_id, "name": pascal(&f.rule_name),
                "shortDescription": {"text": sentence(&f.rule_id)},
                "defaultConfiguration": {"level": level(f.severity)},
            }));
        }
    }

    // Results: the findings, the suppressed findings with their suppression, then the
    // findings the baseline has.
    type Item<'x> = (&'x Finding, &'x str, Option<(&'x str, &'x str)>, bool);
    let items: Vec<Item<'_>> = report
        .findings
        .iter()
        .zip(report.fingerprints)
        .map(|(f, fp)| (f, fp.as_str(), None, false))
        .chain(report.suppressed.iter().map(|s| {
            (
                &s.finding,
                s.fingerprint.as_str(),
                Some((s.kind.sarif(), s.justification.as_str())),
                false,
            )
        }))
        .chain(
            report
                .baselined_findings
                .iter()
                .map(|(f, fp)| (f, fp.as_str(), None, true)),
        )
        .collect();
    let results = |w: &mut dyn Write| {
        super::stream::write_array(w, &items, 4, |(f, fp, sup, base)| {
            cx.result(f, index[&f.rule_id], fp, *sup, *base)
        })
    };

    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            let name = display_path(&e.path);
            let rel = cx.rel(&e.path).unwrap_or(name);
            let mut phys = json!({"artifactLocation": cx.artifact_of(&rel)});
            if let Some((s, en)) = error_lines(e) {
                phys["region"] = json!({
                    "startLine": s.line, "startColumn": s.col,
                    "endLine": en.line, "endColumn": en.col.max(if s.line == en.line { s.col } else { 1 }),
                });
            }
            json!({
                "level": "error",
                "message": {"text": sentence(&e.message)},
                "descriptor": {"id": "input-error", "index": 0},
                "locations": [{"physicalLocation": phys}],
            })
        })
        .collect();

    let version = env!("CARGO_PKG_VERSION");
    let mut run = json!({
        "tool": {"driver": {
            "name": "cutover",
            "fullName": "cutover migration-readiness linter",
            "version": version,
            "semanticVersion": version,
            "informationUri": INFORMATION_URI,
            "rules": rules,
            "notifications": [{
                "id": "input-error",
                "name": "InputError",
                "shortDescription": {"text": "An input could not be read or parsed."},
                "fullDescription": {"text": "An input could not be read, decoded or parsed, so no rule checked it."},
                "help": {
                    "text": "Fix the syntax or encoding error at the reported location; the file is skipped until it parses.",
                    "markdown": "Fix the syntax or encoding error at the reported location; the file is skipped until it parses.",
                },
                "helpUri": INFORMATION_URI,
                "defaultConfiguration": {"level": "error"},
            }],
        }},
        "invocations": [{
            "executionSuccessful": report.errors.is_empty(),
            "toolExecutionNotifications": notifications,
        }],
        "columnKind": "unicodeCodePoints",
        "results": [],
    });
    if let Some(base) = &cx.base {
        run["originalUriBaseIds"] = json!({SRCROOT: {"uri": file_uri_dir(base)}});
    }
    if let Some((_, p)) = checkout {
        run["versionControlProvenance"] = json!([p]);
    }
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [run],
    });
    let text = serde_json::to_string_pretty(&doc)?;
    super::stream::splice(
        w,
        &text,
        &[("\n      \"results\": []", &results as Part<'_>)],
    )?;
    writeln!(w)
}

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !s.is_empty()).then_some(s)
}

/// A web URL for a git remote (`git@host:o/r.git`, `ssh://…`, `https://user@host/o/r.git`),
/// or `None` when it is not a network remote.
pub fn remote_to_url(remote: &str) -> Option<String> {
    let r = remote.trim().trim_end_matches('/');
    let r = r.strip_suffix(".git").unwrap_or(r);
    let (host, path) = if let Some(rest) = r
        .strip_prefix("https://")
        .or_else(|| r.strip_prefix("http://"))
        .or_else(|| r.strip_prefix("ssh://"))
        .or_else(|| r.strip_prefix("git://"))
    {
        let (host, path) = rest.split_once('/')?;
        (host.rsplit('@').next()?.to_string(), path.to_string())
    } else if let Some((user_host, path)) = r.split_once(':') {
        if user_host.contains('/') || !user_host.contains('@') {
            return None;
        }
        (user_host.rsplit('@').next()?.to_string(), path.to_string())
    } else {
        return None;
    };
    let host = host.split(':').next().unwrap_or(&host).to_string();
    (!host.is_empty() && !path.is_empty()).then(|| format!("https://{host}/{path}"))
}

/// The checkout holding `root` and its `versionControlProvenance` (mapped to `%SRCROOT%`):
/// from the GitHub Actions environment, else from git, with the local repository's `file:` URI
/// when it has no network remote. `None` outside a repository.
fn checkout_of(root: &Path) -> Option<(PathBuf, Value)> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if let (Some(server), Some(repo), Some(ws)) = (
        env("GITHUB_SERVER_URL"),
        env("GITHUB_REPOSITORY"),
        env("GITHUB_WORKSPACE"),
    ) {
        let ws = crate::suppress::absolute(Path::new(&ws));
        if root.starts_with(&ws) {
            let mut v = json!({
                "repositoryUri": format!("{}/{repo}", server.trim_end_matches('/')),
                "mappedTo": {"uriBaseId": SRCROOT},
            });
            if let Some(sha) = env("GITHUB_SHA") {
                v["revisionId"] = json!(sha);
            }
            if let Some(b) = env("GITHUB_REF_NAME") {
                v["branch"] = json!(b);
            }
            return Some((ws, v));
        }
    }
    let top = PathBuf::from(git(root, &["rev-parse", "--show-toplevel"])?);
    let top = crate::suppress::absolute(&top);
    if !root.starts_with(&top) {
        return None;
    }
    let uri = git(root, &["remote", "get-url", "origin"])
        .and_then(|r| remote_to_url(&r))
        .unwrap_or_else(|| file_uri_dir(&top));
    let mut v = json!({"repositoryUri": uri, "mappedTo": {"uriBaseId": SRCROOT}});
    if let Some(sha) = git(root, &["rev-parse", "HEAD"]) {
        v["revisionId"] = json!(sha);
    }
    if let Some(b) = git(root, &["symbolic-ref", "--short", "-q", "HEAD"]) {
        v["branch"] = json!(b);
    }
    Some((top, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(pascal("missing-stop-timeout"), "MissingStopTimeout");
        assert_eq!(sentence("no `x`"), "no `x`.");
        assert_eq!(sentence("done."), "done.");
        assert_eq!(encode_uri_path("a b/c%.json"), "a%20b/c%25.json");
        assert_eq!(file_uri_dir(Path::new("/r/x y")), "file:///r/x%20y/");
        for (remote, url) in [
            ("git@github.com:o/r.git", Some("https://github.com/o/r")),
            (
                "https://tok@github.com/o/r.git",
                Some("https://github.com/o/r"),
            ),
            (
                "ssh://git@gitlab.example:2222/g/r",
                Some("https://gitlab.example/g/r"),
            ),
            ("/work/main", None),
            ("../other", None),
        ] {
            assert_eq!(remote_to_url(remote).as_deref(), url, "{remote}");
        }
    }

    #[test]
    fn security_rules_get_security_severity() {
        static META: RuleMeta = RuleMeta {
            id: "IAM001",
            name: "wildcard-task-role",
            default_severity: Severity::Error,
            summary: "task role with a wildcard action",
            docs: " ## What it does\n Flags wildcards.\n",
            inputs: &[lint_engine::FileKind::TfJson],
            cross_file: false,
            security: true,
            source: "crates/rules/src/iam/wildcard_task_role.rs",
            help_uri: None,
        };
        let d = descriptor(&META);
        assert_eq!(d["properties"]["security-severity"], "8.0");
        assert!(d["properties"]["tags"]
            .as_array()
            .is_some_and(|t| t.iter().any(|x| x == "security")));
        assert_eq!(d["name"], "WildcardTaskRole");
        assert_eq!(d["defaultConfiguration"]["level"], "error");
        assert_eq!(d["fullDescription"]["text"], "Flags wildcards.");
        let plain = RuleMeta {
            security: false,
            ..META
        };
        assert!(descriptor(&plain)["properties"]["security-severity"].is_null());
    }

    #[test]
    fn what_it_does_section() {
        let page = "# X\n\n## What it does\nFlags things.\n\n## Why it matters\nBecause.\n";
        assert_eq!(what_it_does(page).as_deref(), Some("Flags things."));
    }
}
