//! Fixture tests generated from `test-corpus/`, with no list to maintain: the build script
//! (`crates/cli/build.rs`) writes one test per fixture file and per scenario, so each runs on its
//! own: `cargo test -p cutover --test corpus -- ECS001` (a rule's fixtures),
//! `-- rules::ECS001_missing_stop_timeout::invalid_describe_json` (one file) or
//! `-- scenarios::net_warm_ip_target` (one scenario); `-- --list` shows every name.
//!
//! * `test-corpus/rules/<ID>-<name>/valid*.{json,yaml,yml}`: no finding of rule `<ID>`.
//! * `test-corpus/rules/<ID>-<name>/invalid*.{json,yaml,yml}`: the findings of rule `<ID>` are
//!   exactly the lines of the file `<fixture>.expected` beside it. A folder needs at least one
//!   of each. A fixture may be a directory (`invalid-<case>/`, `valid-<case>/`) holding the
//!   files of one cross-file case, linted together; its `<fixture>.expected` names files as
//!   `<fixture>/<file>`.
//! * `test-corpus/scenarios/<name>/`: a multi-file scenario linted as one directory (its own
//!   `cutover.toml` applies); all findings must equal `expected.txt`. A first line
//!   `# rules: IAM002,IAM001` limits the comparison to those rules.
//!
//! Expected lines read `<file>:<line>:<col>-<line>:<col> <ID> <severity> <message>`, with `<file>`
//! relative to the fixture's directory. Run with `CUTOVER_BLESS=1` to rewrite expectation files
//! from the current output (then review the diff: it is the test). A fixture or expectation file
//! with a `# placeholder: ...` line (written by `cargo xtask new-rule`) fails with that text until
//! its author replaces it.

mod support;

use std::path::Path;

use serde_json::Value;
use support::*;

include!(concat!(env!("OUT_DIR"), "/corpus_cases.rs"));

/// `cutover check --format json <args>` in `dir`; exit code 0 or 2 (input errors) expected.
fn run_json(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["check", "--format", "json", "--fail-on", "never"];
    all.extend_from_slice(args);
    let out = cutover(dir, &all);
    let code = code(&out);
    assert!(code == 0 || code == 2, "exit {code}: {}", stderr(&out));
    json_of(&out)
}

fn is_fixture(name: &str) -> bool {
    name.ends_with(".json")
        || name.ends_with(".yaml")
        || name.ends_with(".yml")
        || name.ends_with(".tf")
}

/// A rule's fixture folder has at least one `valid*` and one `invalid*` fixture. A rule that
/// needs two files to fire (the PAR rules: an ECS side and a Kubernetes side) has its invalid
/// cases as scenarios named after it (`par001-…`) instead.
fn rule_folder(folder: &str) {
    let id = folder
        .split('-')
        .next()
        .unwrap_or(folder)
        .to_ascii_lowercase();
    let has_scenario = std::fs::read_dir(test_corpus().join("scenarios"))
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("{id}-"))
        });
    let dir = test_corpus().join("rules").join(folder);
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .filter(|e| e.path().is_dir() || is_fixture(&e.file_name().to_string_lossy()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().any(|n| n.starts_with("valid"))
            && (has_scenario || names.iter().any(|n| n.starts_with("invalid"))),
        "{folder}: needs at least one valid* and one invalid* fixture (or a scenario `{id}-…`), has {names:?}"
    );
}

/// One fixture file of `test-corpus/rules/<folder>/`.
fn rule_fixture(folder: &str, name: &str) {
    let dir = test_corpus().join("rules").join(folder);
    let id = folder.split('-').next().unwrap_or(folder).to_string();
    let exp_path = dir.join(format!("{name}.expected"));
    for p in [dir.join(name), exp_path.clone()] {
        if let Some(todo) = placeholder(&p) {
            panic!(
                "{folder}/{name} is a placeholder: {todo}
(edit {}, then remove its `# placeholder:` line)",
                p.display()
            );
        }
    }
    let v = run_json(&dir, &[name]);
    let got = lines_of(&v, std::slice::from_ref(&id));
    if name.starts_with("valid") {
        assert!(
            got.is_empty(),
            "{folder}/{name}: expected no {id} finding, got:\n  {}",
            got.join("\n  ")
        );
        return;
    }
    if bless() {
        std::fs::write(&exp_path, got.join("\n") + "\n").expect("write expectation");
        return;
    }
    let (_, want) = read_expected(&exp_path);
    assert!(
        !want.is_empty(),
        "{folder}/{name}: missing or empty {name}.expected (an invalid fixture has findings; \
         `CUTOVER_BLESS=1` writes them, then review)"
    );
    assert!(
        got == want,
        "{folder}/{name}:\n want:\n  {}\n got:\n  {}",
        want.join("\n  "),
        got.join("\n  ")
    );
}

/// One directory of `test-corpus/scenarios/`.
fn scenario(name: &str) {
    let dir = test_corpus().join("scenarios").join(name);
    let exp = dir.join("expected.txt");
    let (only, want) = read_expected(&exp);
    let v = run_json(&dir, &["."]);
    let got = lines_of(&v, &only);
    if bless() {
        let mut text = String::new();
        if !only.is_empty() {
            text.push_str(&format!("# rules: {}\n", only.join(",")));
        }
        text.push_str(&got.join("\n"));
        text.push('\n');
        std::fs::write(&exp, text).expect("write expectation");
        return;
    }
    assert!(
        got == want,
        "scenario {name}:\n want:\n  {}\n got:\n  {}",
        want.join("\n  "),
        got.join("\n  ")
    );
}

#[test]
fn every_fixture_folder_has_generated_cases() {
    // The build script reruns when `test-corpus/` changes; this guards against a stale list.
    let n = std::fs::read_dir(test_corpus().join("rules"))
        .map(|d| d.flatten().filter(|e| e.path().is_dir()).count())
        .unwrap_or(0);
    let listed = include_str!(concat!(env!("OUT_DIR"), "/corpus_cases.rs"))
        .matches("fn has_valid_and_invalid_fixtures()")
        .count();
    assert!(n > 0, "no fixture folders found");
    assert_eq!(
        listed, n,
        "generated cases are stale: touch crates/cli/build.rs"
    );
}

/// `test-corpus/hostile/`: small hostile files (the large ones are generated by `hostile.rs`).
/// Every file yields exactly the findings or the located input error listed in its
/// `expected.txt`, and the good files among them are still linted.
#[test]
fn hostile_corpus() {
    let dir = test_corpus().join("hostile");
    let v = run_json(&dir, &["."]);
    let mut got = lines_of(&v, &[]);
    // Input errors with their position, where they have one.
    for (line, e) in got
        .iter_mut()
        .filter(|l| l.contains(" input-error "))
        .zip(v["errors"].as_array().unwrap())
    {
        let l = &e["location"];
        if !l.is_null() {
            *line = line.replacen(
                " input-error ",
                &format!(
                    ":{}:{}-{}:{} input-error ",
                    l["start_line"], l["start_column"], l["end_line"], l["end_column"]
                ),
                1,
            );
        }
    }
    for s in v["skipped"].as_array().unwrap() {
        got.push(format!(
            "{} skipped {}",
            s["file"].as_str().unwrap(),
            s["reason"].as_str().unwrap()
        ));
    }
    let exp = dir.join("expected.txt");
    if bless() {
        std::fs::write(&exp, got.join("\n") + "\n").unwrap();
        return;
    }
    let (_, want) = read_expected(&exp);
    assert_eq!(got, want);
}
