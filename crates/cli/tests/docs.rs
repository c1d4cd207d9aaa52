//! The documentation stays true: every rule ID it names exists, the README's rule table lists
//! exactly the rules `cutover rules` prints, and the README's real-world figures are what
//! `cutover check` reports on that corpus today.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use support::*;

/// Rule IDs of plugins the docs describe (the live-AWS plugin and the example plugin) and of the
/// test plugins in examples.
const PLUGIN_PREFIXES: &[&str] = &["AWS", "IMG", "FOO"];

/// IDs that are meant not to exist: the walk-through of adding a new rule, and the plugin
/// errors for a plugin that claims a built-in prefix or names an unknown built-in rule.
const EXAMPLES: &[(&str, &str)] = &[
    ("ARCHITECTURE.md", "PAR011"),
    ("docs/plugins.md", "ECS900"),
    ("docs/plugins.md", "ECS999"),
];

fn builtin_ids() -> BTreeSet<String> {
    let out = cutover(&repo(), &["rules", "--format", "json"]);
    json_of(&out)
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .collect()
}

fn files_under(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

/// `ECS004`-shaped words of a text, with their line numbers.
fn rule_ids(text: &str) -> Vec<(usize, String)> {
    let re = regex::Regex::new(r"\b(ECS|K8S|NET|IAM|PAR|LINT|LNT|AWS|IMG|FOO)[0-9]{3}\b").unwrap();
    text.lines()
        .enumerate()
        .flat_map(|(i, l)| {
            re.find_iter(l)
                .map(move |m| (i + 1, m.as_str().to_string()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn docs_name_only_rules_that_exist() {
    let known = builtin_ids();
    let root = repo();
    let mut files = vec![root.join("README.md"), root.join("ARCHITECTURE.md")];
    files_under(&root.join("docs"), "md", &mut files);
    files_under(&root.join("rules-docs"), "md", &mut files);
    // Messages and help texts of the rules.
    files_under(&root.join("crates/rules/src"), "rs", &mut files);
    let mut dangling = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for (line, id) in rule_ids(&text) {
            let prefix = id.trim_end_matches(|c: char| c.is_ascii_digit());
            // `LNT001` is LINT002's former ID, still accepted everywhere.
            if known.contains(&id) || PLUGIN_PREFIXES.contains(&prefix) || id == "LNT001" {
                continue;
            }
            let rel = f.strip_prefix(&root).unwrap_or(f);
            if EXAMPLES.contains(&(rel.to_string_lossy().as_ref(), id.as_str())) {
                continue;
            }
            dangling.push(format!(
                "{}:{line}: {id}",
                f.strip_prefix(&root).unwrap_or(f).display()
            ));
        }
    }
    assert!(
        dangling.is_empty(),
        "rule IDs that no rule has:\n{}",
        dangling.join("\n")
    );
}

/// The IDs in the first column of the README's "What it checks" table.
fn readme_table_ids(readme: &str) -> BTreeSet<String> {
    let start = readme.find("## What it checks").expect("section");
    let section = &readme[start..];
    let end = section[3..].find("\n## ").map_or(section.len(), |e| e + 3);
    section[..end]
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| ID") && !l.starts_with("|--"))
        .filter_map(|l| l.split('|').nth(1).map(|c| c.trim().to_string()))
        .filter(|id| rule_ids(id).len() == 1)
        .collect()
}

#[test]
fn readme_lists_every_rule() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let listed = readme_table_ids(&readme);
    let known = builtin_ids();
    let missing: Vec<_> = known.difference(&listed).collect();
    let extra: Vec<_> = listed.difference(&known).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "README's rule table: missing {missing:?}, not rules {extra:?}"
    );
}

/// `(rule, severity) -> count` of the README's real-world table: a row's first cell names one
/// or more rules, its second `N severity[, N severity]` or `0`.
fn readme_real_counts(readme: &str) -> (usize, BTreeMap<(String, String), usize>) {
    let start = readme.find("### On real-world files").expect("section");
    let section = &readme[start..];
    let files: usize = regex::Regex::new(r"loads (\d+) files")
        .unwrap()
        .captures(section)
        .and_then(|c| c[1].parse().ok())
        .expect("`loads N files` in the README");
    let mut counts = BTreeMap::new();
    for line in section
        .lines()
        .skip_while(|l| !l.starts_with("| Rule"))
        .skip(2)
    {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (rules, figures) = (cells[1], cells[2]);
        for id in rules.split(',').map(str::trim) {
            if figures == "0" {
                counts.insert((id.to_string(), "any".to_string()), 0);
                continue;
            }
            for part in figures.split(',') {
                let mut w = part.split_whitespace();
                let n: usize = w.next().and_then(|n| n.parse().ok()).expect(line);
                let sev = w.next().expect(line).to_string();
                counts.insert((id.to_string(), sev), n);
            }
        }
    }
    (files, counts)
}

#[test]
fn readme_real_world_figures_are_current() {
    let corpus = repo().join("../shared/corpus/real");
    if !corpus.is_dir() {
        eprintln!("skipping: the real-world corpus is not beside the checkout");
        return;
    }
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let (files, want) = readme_real_counts(&readme);
    let out = cutover(
        &repo().join(".."),
        &["check", "shared/corpus/real", "--format", "json"],
    );
    let v = json_of(&out);
    assert_eq!(
        v["summary"]["files"].as_u64(),
        Some(files as u64),
        "files read"
    );
    let mut have: BTreeMap<(String, String), usize> = BTreeMap::new();
    for f in v["findings"].as_array().unwrap() {
        let key = (
            f["rule_id"].as_str().unwrap().to_string(),
            f["severity"].as_str().unwrap().to_string(),
        );
        *have.entry(key).or_default() += 1;
    }
    let mut wrong = Vec::new();
    for ((id, sev), n) in &want {
        let got: usize = if sev == "any" {
            have.iter()
                .filter(|((i, _), _)| i == id)
                .map(|(_, c)| c)
                .sum()
        } else {
            have.get(&(id.clone(), sev.clone())).copied().unwrap_or(0)
        };
        if got != *n {
            wrong.push(format!("{id} {sev}: README {n}, now {got}"));
        }
    }
    for ((id, sev), n) in &have {
        if !want.contains_key(&(id.clone(), sev.clone()))
            && !want.contains_key(&(id.clone(), "any".to_string()))
        {
            wrong.push(format!("{id} {sev}: not in the README, now {n}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "README's real-world table is stale:\n{}",
        wrong.join("\n")
    );
}

/// The README's readiness report is what `cutover report --format markdown examples/migration`
/// prints today (`CUTOVER_BLESS=1` rewrites it).
#[test]
fn readme_readiness_report_is_current() {
    let (begin, end) = (
        "<!-- readiness-report:begin -->\n",
        "<!-- readiness-report:end -->",
    );
    let path = repo().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let start = readme.find(begin).expect("readiness report begin marker") + begin.len();
    let stop = readme[start..].find(end).expect("end marker") + start;
    let out = cutover(
        &repo(),
        &["report", "--format", "markdown", "examples/migration"],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let live = stdout(&out);
    if bless() {
        let mut new = readme.clone();
        new.replace_range(start..stop, &live);
        std::fs::write(&path, new).unwrap();
        return;
    }
    assert!(
        readme[start..stop] == live,
        "README readiness report is stale; run CUTOVER_BLESS=1 cargo test -p cutover --test docs readme_readiness\n--- live ---\n{live}"
    );
}
