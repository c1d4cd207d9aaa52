//! `cargo xtask new-rule <ID> <name> <domain>`: the files of a new rule, ready to fill in.
//!
//! * `crates/rules/src/<domain>/<snake_name>.rs`: `declare_rule!` with the doc-comment sections the
//!   docs test requires (`## What it does`, `## Why it matters`, `## Example`, `## How to fix`)
//!   and an empty hook suited to the domain;
//! * `pub mod <snake_name>;` in the domain's `mod.rs` (created with `pub mod <domain>;` in
//!   `lib.rs` for a new domain) and the rule in `all()` of `crates/rules/src/lib.rs`, in ID order;
//! * `test-corpus/rules/<ID>-<name>/` with placeholder `valid.yaml`, `invalid.yaml` and
//!   `invalid.yaml.expected`: each carries a `# placeholder:` line, and the fixture test fails
//!   with its text until the author replaces it.
//!
//! A malformed ID or name, an unknown domain, an ID prefix that does not match the domain, or an
//! ID or name already taken is refused with exit code 2, before anything is written.

use std::fmt;
use std::path::{Path, PathBuf};

/// The domains: folder name under `crates/rules/src/`, and the ID prefix is its upper case.
pub const DOMAINS: &[&str] = &["ecs", "k8s", "net", "iam", "par", "lint"];

#[derive(Debug)]
pub struct Refused(pub String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What one domain's skeleton reads and which hook it starts from.
struct Shape {
    inputs: &'static str,
    hook: &'static str,
    cross_file: bool,
    security: bool,
}

fn shape(domain: &str) -> Shape {
    let all = "TaskDef, K8s, TfJson, TfPlan";
    match domain {
        "ecs" => Shape {
            inputs: "TaskDef, TfJson, TfPlan",
            hook: "fn check_task_def(&self, _td: &TaskDef<'_>, _cx: &mut RuleContext<'_, '_>)",
            cross_file: false,
            security: false,
        },
        "k8s" => Shape {
            inputs: "K8s",
            hook: "fn check_workload(&self, _w: &Workload<'_>, _cx: &mut RuleContext<'_, '_>)",
            cross_file: false,
            security: false,
        },
        "net" => Shape {
            inputs: "TfJson, TfPlan, K8s",
            hook: "fn check_model(&self, _cx: &mut RuleContext<'_, '_>)",
            cross_file: true,
            security: false,
        },
        "iam" => Shape {
            inputs: all,
            hook: "fn check_model(&self, _cx: &mut RuleContext<'_, '_>)",
            cross_file: true,
            security: true,
        },
        "par" => Shape {
            inputs: all,
            hook: "fn check_model(&self, _cx: &mut RuleContext<'_, '_>)",
            cross_file: true,
            security: false,
        },
        _ => Shape {
            inputs: all,
            hook: "fn check_model(&self, _cx: &mut RuleContext<'_, '_>)",
            cross_file: false,
            security: false,
        },
    }
}

/// `^[A-Z]([A-Z0-9]*[A-Z])?[0-9]{3}$`, split into (prefix, number).
fn split_id(id: &str) -> Option<(&str, &str)> {
    let (prefix, digits) = id.split_at(id.len().checked_sub(3)?);
    let ok = prefix.starts_with(|c: char| c.is_ascii_uppercase())
        && prefix.ends_with(|c: char| c.is_ascii_uppercase())
        && prefix
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && digits.chars().all(|c| c.is_ascii_digit());
    ok.then_some((prefix, digits))
}

fn is_kebab(name: &str) -> bool {
    !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && !name.contains("--")
}

fn pascal(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The first `<key>: "<value>"` field in `block`.
fn field<'a>(block: &'a str, key: &str) -> Option<&'a str> {
    block.lines().find_map(|l| {
        l.trim()
            .strip_prefix(key)?
            .strip_prefix(": \"")?
            .split('"')
            .next()
    })
}

/// (ID, name) of every `declare_rule!` under `dir`.
fn declared_rules(dir: &Path, out: &mut Vec<(String, String, PathBuf)>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            declared_rules(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(&p)?;
            for block in text.split("declare_rule! {").skip(1) {
                if let (Some(id), Some(name)) = (field(block, "id"), field(block, "name")) {
                    out.push((id.to_string(), name.to_string(), p.clone()));
                }
            }
        }
    }
    Ok(())
}

fn io(what: &str, path: &Path, e: std::io::Error) -> Refused {
    Refused(format!("{what} {}: {e}", path.display()))
}

fn rule_file(id: &str, name: &str, ty: &str, domain: &str) -> String {
    let s = shape(domain);
    let view = if s.hook.contains("TaskDef") {
        "use lint_engine::model::TaskDef;\n"
    } else if s.hook.contains("Workload") {
        "use lint_engine::model::Workload;\n"
    } else {
        ""
    };
    format!(
        r#"use lint_engine::declare_rule;
{view}use lint_engine::{{Rule, RuleContext}};

declare_rule! {{
    /// ## What it does
    /// TODO: what {id} reports, in the words of someone moving a workload between ECS and EKS.
    ///
    /// ## Why it matters
    /// TODO: what breaks, and when, if the pattern ships.
    ///
    /// ## Example
    /// TODO: an input that {id} flags. Every `json`/`yaml` block here is linted by the docs test:
    /// an `expect_finding` block must produce exactly one finding of {id}, any other none.
    /// ```yaml,expect_finding
    /// # TODO
    /// ```
    ///
    /// ## How to fix
    /// TODO: the change that makes the finding go away, with a short example.
    pub {ty} {{
        id: "{id}",
        name: "{name}",
        severity: Warning,
        summary: "TODO: what the rule flags, lowercase, no trailing period",
        inputs: [{inputs}],
        cross_file: {cross},
        security: {security},
    }}
}}

impl Rule for {ty} {{
    {hook} {{
        // TODO: detect the pattern, then report it:
        // `let f = cx.finding(file, span, "message"); cx.emit(f);`
    }}
}}
"#,
        inputs = s.inputs,
        cross = s.cross_file,
        security = s.security,
        hook = s.hook,
    )
}

/// `text` with `line` inserted among the lines that start with `prefix`, in sorted order (after
/// the last of them when it sorts last; at the end when there is none).
fn insert_sorted(text: &str, prefix: &str, line: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    let mut at = None;
    let mut last = None;
    for (i, l) in lines.iter().enumerate() {
        if l.starts_with(prefix) {
            last = Some(i);
            if at.is_none() && *l > line {
                at = Some(i);
            }
        }
    }
    let at = at.or(last.map(|i| i + 1)).unwrap_or(lines.len());
    lines.insert(at, line);
    lines.join("\n") + "\n"
}

/// `lib.rs` with `&<domain>::<module>::<Type>,` in `RULES`, before the first rule with a greater
/// ID (IDs read from the rule files).
fn register(lib: &str, src: &Path, id: &str, entry: &str) -> Result<String, Refused> {
    let start = lib
        .find("static RULES")
        .ok_or_else(|| Refused("crates/rules/src/lib.rs has no `static RULES`".into()))?;
    let end = lib[start..]
        .find("];")
        .map(|i| start + i)
        .ok_or_else(|| Refused("`static RULES` in crates/rules/src/lib.rs is not closed".into()))?;
    let mut at = end;
    let mut offset = start;
    for line in lib[start..end].split_inclusive('\n') {
        let path = line.trim().trim_start_matches('&').trim_end_matches(',');
        let parts: Vec<&str> = path.split("::").collect();
        if let [domain, module, _ty] = parts.as_slice() {
            let file = src.join(domain).join(format!("{module}.rs"));
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            if field(&text, "id").is_some_and(|other| other > id) {
                at = offset;
                break;
            }
        }
        offset += line.len();
    }
    // `at` is the start of a line (or of `];`, which begins its own line).
    Ok(format!("{}    {entry},\n{}", &lib[..at], &lib[at..]))
}

/// Write the new rule into the workspace at `root`; the paths written, for the summary.
pub fn run(root: &Path, id: &str, name: &str, domain: &str) -> Result<Vec<String>, Refused> {
    if !DOMAINS.contains(&domain) {
        return Err(Refused(format!(
            "unknown domain `{domain}`: one of {}",
            DOMAINS.join(", ")
        )));
    }
    let Some((prefix, _)) = split_id(id) else {
        return Err(Refused(format!(
            "malformed rule ID `{id}`: an upper-case domain prefix and three digits, e.g. {}001",
            domain.to_ascii_uppercase()
        )));
    };
    if prefix != domain.to_ascii_uppercase() {
        return Err(Refused(format!(
            "rule ID `{id}` does not match its domain `{domain}`: it must start with {}",
            domain.to_ascii_uppercase()
        )));
    }
    if !is_kebab(name) {
        return Err(Refused(format!(
            "rule name `{name}` is not kebab-case (lower-case words joined by `-`)"
        )));
    }
    let src = root.join("crates/rules/src");
    let mut existing = Vec::new();
    declared_rules(&src, &mut existing).map_err(|e| io("cannot read", &src, e))?;
    for (other_id, other_name, file) in &existing {
        let rel = file.strip_prefix(root).unwrap_or(file).display();
        if other_id == id {
            return Err(Refused(format!(
                "rule ID {id} is taken by `{other_name}` ({rel}); IDs are never reused"
            )));
        }
        if other_name == name {
            return Err(Refused(format!(
                "rule name `{name}` is taken by {other_id} ({rel})"
            )));
        }
    }
    let snake = name.replace('-', "_");
    let ty = pascal(name);
    let domain_dir = src.join(domain);
    let rule_path = domain_dir.join(format!("{snake}.rs"));
    let fixtures = root.join(format!("test-corpus/rules/{id}-{name}"));
    for p in [&rule_path, &fixtures] {
        if p.exists() {
            return Err(Refused(format!("{} already exists", p.display())));
        }
    }
    let lib_path = src.join("lib.rs");
    let mut lib =
        std::fs::read_to_string(&lib_path).map_err(|e| io("cannot read", &lib_path, e))?;
    let mod_path = domain_dir.join("mod.rs");
    let new_domain = !mod_path.exists();
    if new_domain {
        lib = insert_sorted(&lib, "pub mod ", &format!("pub mod {domain};"));
    }
    let lib = register(&lib, &src, id, &format!("&{domain}::{snake}::{ty}"))?;
    let mods = std::fs::read_to_string(&mod_path).unwrap_or_default();
    let mods = insert_sorted(&mods, "pub mod ", &format!("pub mod {snake};"));

    // Everything is checked: write.
    let write = |p: &Path, text: &str| -> Result<String, Refused> {
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io("cannot create", parent, e))?;
        }
        std::fs::write(p, text).map_err(|e| io("cannot write", p, e))?;
        Ok(p.strip_prefix(root).unwrap_or(p).display().to_string())
    };
    let mut written = vec![
        write(&rule_path, &rule_file(id, name, &ty, domain))?,
        write(&mod_path, &mods)?,
        write(&lib_path, &lib)?,
    ];
    let expected_line = format!("invalid.yaml:<line>:<col>-<line>:<col> {id} <severity> <message>");
    for (file, text) in [
        (
            "valid.yaml",
            format!("# placeholder: replace this file with an input that {id} must not flag (the nearest correct configuration)\n"),
        ),
        (
            "invalid.yaml",
            format!("# placeholder: replace this file with an input that {id} flags\n"),
        ),
        (
            "invalid.yaml.expected",
            format!(
                "# placeholder: list the findings of {id} on invalid.yaml, one per line as `{expected_line}` \
                 (`CUTOVER_BLESS=1 cargo test -p cutover --test corpus -- {id}` writes them: review them), \
                 then delete this line\n"
            ),
        ),
    ] {
        written.push(write(&fixtures.join(file), &text)?);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names() {
        assert_eq!(split_id("PAR001"), Some(("PAR", "001")));
        assert_eq!(split_id("K8S002"), Some(("K8S", "002")));
        for bad in ["PAR01", "par001", "001", "PAR-001", "PARX01", "8S001", ""] {
            assert_eq!(split_id(bad), None, "{bad}");
        }
        assert!(is_kebab("image-tag-drift"));
        for bad in ["Image", "image_tag", "-x", "x-", "a--b", ""] {
            assert!(!is_kebab(bad), "{bad}");
        }
        assert_eq!(pascal("image-tag-drift"), "ImageTagDrift");
    }

    #[test]
    fn sorted_insertion() {
        let text = "//! doc\n\npub mod a;\npub mod c;\n\nuse x;\n";
        assert_eq!(
            insert_sorted(text, "pub mod ", "pub mod b;"),
            "//! doc\n\npub mod a;\npub mod b;\npub mod c;\n\nuse x;\n"
        );
        assert_eq!(
            insert_sorted(text, "pub mod ", "pub mod d;"),
            "//! doc\n\npub mod a;\npub mod c;\npub mod d;\n\nuse x;\n"
        );
        assert_eq!(insert_sorted("", "pub mod ", "pub mod a;"), "pub mod a;\n");
    }
}
