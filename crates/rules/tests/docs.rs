//! The rule set's own conventions: the generated pages in `rules-docs/` are current, every doc
//! comment has the required sections, every doc example does what it says, IDs and file names
//! follow the layout (registration, fixtures and uniqueness: `registry.rs`), and the expected messages in `test-corpus/` follow the message style.

use std::path::{Path, PathBuf};

use lint_engine::load::{load_bytes, Limits, Loaded};
use lint_engine::runner::run_rules;
use lint_engine::source::{FileId, LineIndex, SourceDb, SourceFile};
use lint_engine::{Config, Model, Rule};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

// --- rules-docs/ ----------------------------------------------------------------------------

#[test]
fn rule_pages_are_current() {
    let dir = repo().join("rules-docs");
    let want = cutover_rules::doc_files();
    let mut problems = Vec::new();
    for (name, text) in &want {
        match std::fs::read_to_string(dir.join(name)) {
            Err(_) => problems.push(format!("rules-docs/{name} is missing")),
            Ok(have) if have != *text => problems.push(format!("rules-docs/{name} is stale")),
            Ok(_) => {}
        }
    }
    let entries = std::fs::read_dir(&dir).map(|d| d.flatten().collect::<Vec<_>>());
    for entry in entries.unwrap_or_default() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.ends_with(".md") && !want.iter().any(|(w, _)| *w == name) {
            problems.push(format!("rules-docs/{name} belongs to no rule"));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\nrun `cargo xtask docs` and commit the result",
        problems.join("\n")
    );
}

const SECTIONS: &[&str] = &[
    "## What it does",
    "## Why it matters",
    "## Example",
    "## How to fix",
];

/// The `## ` headings of a rule's documentation, outside code blocks.
fn headings(docs: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_code = false;
    for line in docs.lines() {
        let l = line.trim();
        if l.starts_with("```") {
            in_code = !in_code;
        } else if !in_code && l.starts_with("## ") {
            out.push(l.to_string());
        }
    }
    out
}

#[test]
fn rule_docs_have_the_sections_in_order() {
    let mut problems = Vec::new();
    for r in cutover_rules::all() {
        let m = r.meta();
        let got = headings(m.docs);
        let mut want: Vec<String> = SECTIONS.iter().map(|s| s.to_string()).collect();
        if got.last().map(String::as_str) == Some("## References") {
            want.push("## References".into());
        }
        if got != want {
            problems.push(format!(
                "{}: sections are {got:?}; expected {SECTIONS:?} and optionally `## References` last",
                m.id
            ));
        }
        if m.summary.ends_with('.') || starts_with_capitalised_word(m.summary) {
            problems.push(format!(
                "{}: the summary starts lowercase and has no trailing period",
                m.id
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// --- doc examples ---------------------------------------------------------------------------

struct Example {
    lang: String,
    expect_finding: bool,
    /// Tagged `with_previous`: linted together with the block before it (a cross-file rule's
    /// example in two files, an ECS task definition and a Kubernetes manifest).
    with_previous: bool,
    code: String,
    line: usize,
}

/// Fenced ```json / ```yaml blocks of a doc comment, with their tags. Other languages (toml,
/// sh, hcl) are prose, not examples.
fn examples(docs: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut current: Option<Example> = None;
    for (i, raw) in docs.lines().enumerate() {
        let line = raw.strip_prefix(' ').unwrap_or(raw);
        let fence = line.trim_start().starts_with("```");
        match current.take() {
            Some(ex) if fence => out.push(ex),
            Some(mut ex) => {
                ex.code.push_str(line);
                ex.code.push('\n');
                current = Some(ex);
            }
            None if fence => {
                let info = line.trim_start().trim_start_matches('`');
                let mut tags = info.split(',').map(str::trim);
                let lang = tags.next().unwrap_or("").to_string();
                let tags: Vec<&str> = tags.collect();
                let expect_finding = tags.contains(&"expect_finding");
                current = Some(Example {
                    lang,
                    expect_finding,
                    with_previous: tags.contains(&"with_previous"),
                    code: String::new(),
                    line: i + 1,
                });
            }
            None => {}
        }
    }
    assert!(current.is_none(), "unclosed code block in a rule doc");
    out.into_iter()
        .filter(|e| matches!(e.lang.as_str(), "json" | "yaml" | "yml"))
        .collect()
}

/// The file name that makes the loader read the example as what it is.
fn file_name(ex: &Example) -> &'static str {
    if ex.lang != "json" {
        return "example.yaml";
    }
    let tf_blocks = [
        "resource",
        "data",
        "module",
        "provider",
        "terraform",
        "locals",
    ];
    let top: Option<serde_json::Value> = serde_json::from_str(&ex.code).ok();
    let is_tf = top
        .as_ref()
        .and_then(|v| v.as_object())
        .is_some_and(|o| o.keys().any(|k| tf_blocks.contains(&k.as_str())));
    if is_tf {
        "example.tf.json"
    } else {
        "example.json"
    }
}

/// Lint one example (a block and the blocks tagged `with_previous` after it, one file each)
/// with one rule; the messages of that rule's findings.
fn lint_alone(rule: &dyn Rule, group: &[&Example]) -> Result<Vec<String>, String> {
    let mut files = Vec::new();
    for (i, ex) in group.iter().enumerate() {
        let name = if i == 0 {
            file_name(ex).to_string()
        } else {
            format!("{i}-{}", file_name(ex))
        };
        let (path, text, encoding, kind, docs) =
            match load_bytes(&PathBuf::from(name), ex.code.as_bytes(), &Limits::default()) {
                Loaded::File {
                    path,
                    text,
                    encoding,
                    kind,
                    docs,
                } => (path, text, encoding, kind, docs),
                Loaded::Skipped { reason, .. } => return Err(format!("skipped: {reason}")),
                Loaded::Error(e) => return Err(format!("input error: {}", e.message)),
            };
        files.push(SourceFile {
            id: FileId(i as u32),
            name: path.display().to_string(),
            lines: LineIndex::new(&text),
            path,
            text,
            encoding,
            kind,
            docs,
        });
    }
    let db = SourceDb {
        files,
        ..SourceDb::default()
    };
    let model = Model::build(&db);
    let findings = run_rules(&model, &[rule], &Config::default());
    Ok(findings
        .into_iter()
        .filter(|f| f.rule_id == rule.meta().id)
        .map(|f| f.message)
        .collect())
}

#[test]
fn doc_examples_do_what_they_say() {
    let mut problems = Vec::new();
    for r in cutover_rules::all() {
        let m = r.meta();
        let exs = examples(m.docs);
        // LINT002 is produced after the suppressions are applied, not by linting a file alone.
        if !exs.iter().any(|e| e.expect_finding) && m.id != "LINT002" {
            problems.push(format!(
                "{}: no ```json,expect_finding or ```yaml,expect_finding example",
                m.id
            ));
        }
        let mut groups: Vec<Vec<&Example>> = Vec::new();
        for ex in &exs {
            match groups.last_mut() {
                Some(g) if ex.with_previous => g.push(ex),
                _ => groups.push(vec![ex]),
            }
        }
        for group in &groups {
            let ex = group[0];
            let expect = group.iter().any(|e| e.expect_finding);
            let want = usize::from(expect);
            match lint_alone(*r, group) {
                Err(e) => problems.push(format!(
                    "{} example at doc line {} ({}): {e}",
                    m.id,
                    ex.line,
                    file_name(ex)
                )),
                Ok(got) if got.len() != want => problems.push(format!(
                    "{} example at doc line {} ({}{}): expected {want} finding(s) of {}, got {}: {got:?}",
                    m.id,
                    ex.line,
                    ex.lang,
                    if expect { ",expect_finding" } else { "" },
                    m.id,
                    got.len()
                )),
                Ok(got) => {
                    for msg in got {
                        if let Some(why) = message_problem(&msg) {
                            problems.push(format!("{} example message {why}: {msg}", m.id));
                        }
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// --- IDs and layout -------------------------------------------------------------------------

#[test]
fn ids_names_and_files_follow_the_layout() {
    let mut problems = Vec::new();
    for r in cutover_rules::all() {
        let m = r.meta();
        let source = Path::new(m.source);
        let stem = source.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let domain = source
            .parent()
            .and_then(Path::file_name)
            .and_then(|s| s.to_str())
            .unwrap_or("");
        if stem != m.name.replace('-', "_") {
            problems.push(format!(
                "{}: file `{}` should be named `{}.rs` after the rule name",
                m.id,
                m.source,
                m.name.replace('-', "_")
            ));
        }
        let (prefix, digits) = m.id.split_at(m.id.len().saturating_sub(3));
        // `lint` holds the tool's own rules: LINT000, LINT001 and LINT002.
        let ok = prefix == domain.to_ascii_uppercase();
        if !ok {
            problems.push(format!(
                "{}: ID prefix `{prefix}` does not match its domain folder `{domain}`",
                m.id
            ));
        }
        if digits.len() != 3 || !digits.chars().all(|c| c.is_ascii_digit()) {
            problems.push(format!("{}: an ID is a prefix and three digits", m.id));
        }
        let kebab = !m.name.is_empty()
            && m.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !m.name.starts_with('-')
            && !m.name.ends_with('-')
            && !m.name.contains("--");
        if !kebab {
            problems.push(format!("{}: name `{}` is not kebab-case", m.id, m.name));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// --- message conventions --------------------------------------------------------------------

fn expected_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            expected_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "expected")
            || p.file_name().is_some_and(|n| n == "expected.txt")
        {
            out.push(p);
        }
    }
}

/// The message of an expected line: `<file>:<l>:<c>-<l>:<c> <ID> <severity> <message>`.
fn message_of(line: &str) -> Option<(&str, &str)> {
    let mut parts = line.splitn(4, ' ');
    let _loc = parts.next()?;
    let id = parts.next()?;
    if id == "input-error" {
        return None;
    }
    let _sev = parts.next()?;
    Some((id, parts.next()?))
}

/// True when the text starts with an ordinary capitalised word (`Container …`). Acronyms and
/// identifiers that are spelled with capitals (`EKS`, `IRSA`, `ServiceAccount`) are allowed.
fn starts_with_capitalised_word(s: &str) -> bool {
    let word: String = s.chars().take_while(|c| c.is_alphanumeric()).collect();
    let mut cs = word.chars();
    matches!(cs.next(), Some(c) if c.is_uppercase())
        && word.len() > 1
        && cs.all(|c| c.is_lowercase())
}

/// What is wrong with a finding message, if anything: it starts lowercase (or with a
/// backticked value), has no trailing period and is one unpadded line.
fn message_problem(msg: &str) -> Option<&'static str> {
    if msg.is_empty() || msg.trim() != msg {
        Some("is empty or padded")
    } else if msg.contains('\n') {
        Some("is more than one line")
    } else if starts_with_capitalised_word(msg) {
        Some("starts with a capital")
    } else if msg.ends_with('.') {
        Some("ends with a period")
    } else {
        None
    }
}

#[test]
fn corpus_messages_follow_the_convention() {
    let mut files = Vec::new();
    expected_files(&repo().join("test-corpus"), &mut files);
    files.sort();
    assert!(!files.is_empty(), "no expected files under test-corpus/");
    let mut problems = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((id, msg)) = message_of(line) else {
                continue;
            };
            if let Some(why) = message_problem(msg) {
                problems.push(format!(
                    "{}:{}: {id} message {why}: {msg}",
                    f.display(),
                    i + 1
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn example_parser_reads_tags() {
    let docs = " ## Example\n ```json,expect_finding\n {\"a\": 1}\n ```\n ```toml\n x = 1\n ```\n ```yaml\n a: 1\n ```\n";
    let exs = examples(docs);
    assert_eq!(exs.len(), 2);
    assert!(exs[0].expect_finding && exs[0].lang == "json" && exs[0].code == "{\"a\": 1}\n");
    assert!(!exs[1].expect_finding && exs[1].lang == "yaml");
}
