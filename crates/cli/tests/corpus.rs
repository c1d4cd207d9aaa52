//! Fixture tests generated from `test-corpus/`, with no list to maintain.
//!
//! * `test-corpus/rules/<ID>-<name>/valid*.{json,yaml,yml}`: no finding of rule `<ID>`.
//! * `test-corpus/rules/<ID>-<name>/invalid*.{json,yaml,yml}`: the findings of rule `<ID>` are
//!   exactly the lines of the file `<fixture>.expected` beside it.
//! * `test-corpus/scenarios/<name>/`: a multi-file scenario linted as one directory (its own
//!   `cutover.toml` applies); all findings must equal `expected.txt`. A first line
//!   `# rules: IAM002,IAM001` limits the comparison to those rules.
//!
//! Expected lines read `<file>:<line>:<col>-<line>:<col> <ID> <severity> <message>`, with `<file>`
//! relative to the fixture's directory. Run with `CUTOVER_BLESS=1` to rewrite expectation files
//! from the current output (then review the diff: it is the test).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-corpus")
}

fn run_json(dir: &Path, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .current_dir(dir)
        .args(["check", "--format", "json", "--fail-on", "never"])
        .args(args)
        .output()
        .expect("run cutover");
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 2,
        "exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn lines_of(v: &Value, only: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for f in v["findings"].as_array().unwrap() {
        let id = f["rule_id"].as_str().unwrap();
        if !only.is_empty() && !only.iter().any(|o| o == id) {
            continue;
        }
        let l = &f["location"];
        out.push(format!(
            "{}:{}:{}-{}:{} {} {} {}",
            l["file"].as_str().unwrap(),
            l["start_line"],
            l["start_column"],
            l["end_line"],
            l["end_column"],
            id,
            f["severity"].as_str().unwrap(),
            f["message"].as_str().unwrap()
        ));
    }
    for e in v["errors"].as_array().unwrap() {
        out.push(format!(
            "{} input-error {}",
            e["file"].as_str().unwrap(),
            e["message"].as_str().unwrap()
        ));
    }
    out
}

fn read_expected(path: &Path) -> (Vec<String>, Vec<String>) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut only = Vec::new();
    let mut lines = Vec::new();
    for l in text.lines() {
        if let Some(r) = l.strip_prefix("# rules:") {
            only = r
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        } else if !l.trim().is_empty() && !l.starts_with('#') {
            lines.push(l.to_string());
        }
    }
    (only, lines)
}

fn bless() -> bool {
    std::env::var_os("CUTOVER_BLESS").is_some()
}

fn is_fixture(p: &Path) -> bool {
    let n = p.file_name().unwrap().to_string_lossy();
    n.ends_with(".json") || n.ends_with(".yaml") || n.ends_with(".yml") || n.ends_with(".tf")
}

#[test]
fn rule_fixtures() {
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut dirs: Vec<_> = std::fs::read_dir(root().join("rules"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let dname = dir.file_name().unwrap().to_string_lossy().to_string();
        let id = dname.split('-').next().unwrap().to_string();
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| is_fixture(p))
            .collect();
        files.sort();
        let (mut valid, mut invalid) = (0, 0);
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            let v = run_json(&dir, &[&name]);
            let got = lines_of(&v, std::slice::from_ref(&id));
            checked += 1;
            if name.starts_with("valid") {
                valid += 1;
                if !got.is_empty() {
                    failures.push(format!(
                        "{dname}/{name}: expected no {id} finding, got:\n  {}",
                        got.join("\n  ")
                    ));
                }
            } else if name.starts_with("invalid") {
                invalid += 1;
                let exp_path = dir.join(format!("{name}.expected"));
                if bless() {
                    std::fs::write(&exp_path, got.join("\n") + "\n").unwrap();
                    continue;
                }
                let (_, want) = read_expected(&exp_path);
                if want.is_empty() {
                    failures.push(format!("{dname}/{name}: missing or empty {name}.expected"));
                } else if got != want {
                    failures.push(format!(
                        "{dname}/{name}:\n want:\n  {}\n got:\n  {}",
                        want.join("\n  "),
                        got.join("\n  ")
                    ));
                }
            }
        }
        if valid == 0 || invalid == 0 {
            failures.push(format!(
                "{dname}: needs at least one valid* and one invalid* fixture"
            ));
        }
    }
    assert!(checked > 0, "no fixtures found");
    assert!(
        failures.is_empty(),
        "{} fixture failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn scenarios() {
    let mut failures = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
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
            std::fs::write(&exp, text).unwrap();
            continue;
        }
        if got != want {
            failures.push(format!(
                "{}:\n want:\n  {}\n got:\n  {}",
                dir.display(),
                want.join("\n  "),
                got.join("\n  ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} scenario failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `test-corpus/hostile/`: small hostile files (the large ones are generated by `hostile.rs`).
/// Every file yields exactly the findings or the located input error listed in its
/// `expected.txt`, and the good files among them are still linted.
#[test]
fn hostile_corpus() {
    let dir = root().join("hostile");
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
