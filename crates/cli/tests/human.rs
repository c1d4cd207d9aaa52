//! Snapshot tests of the human output: every `invalid*` rule fixture and the shipped example.
//! Snapshots live in `test-corpus/snapshots/`; `CUTOVER_BLESS=1` rewrites them (review the diff).

mod support;

use std::path::Path;

use support::*;

fn human(dir: &Path, arg: &str) -> String {
    let out = cutover(
        dir,
        &["check", arg, "--color", "never", "--fail-on", "never"],
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn compare(name: &str, got: &str, failures: &mut Vec<String>) {
    let path = repo()
        .join("test-corpus/snapshots")
        .join(format!("{name}.txt"));
    if bless() {
        std::fs::write(&path, got).unwrap();
        return;
    }
    match std::fs::read_to_string(&path) {
        Ok(want) if want == got => {}
        Ok(want) => failures.push(format!(
            "{name}: human output changed\n--- want\n{want}\n--- got\n{got}"
        )),
        Err(_) => failures.push(format!("{name}: missing snapshot {}", path.display())),
    }
}

#[test]
fn human_snapshots() {
    let mut failures = Vec::new();
    let rules = repo().join("test-corpus/rules");
    let mut dirs: Vec<_> = std::fs::read_dir(&rules)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.starts_with("invalid") && !n.ends_with(".expected"))
            .collect();
        files.sort();
        for f in files {
            let got = human(&dir, &f);
            let name = format!("{}__{}", dir.file_name().unwrap().to_string_lossy(), f);
            compare(&name, &got, &mut failures);
        }
    }
    compare(
        "examples__migration",
        &human(&repo(), "examples/migration"),
        &mut failures,
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Message style: what is wrong, lowercase, no trailing period (checked on every snapshot).
#[test]
fn message_convention() {
    let re_head = regex_lite_head();
    let mut bad = Vec::new();
    for e in std::fs::read_dir(repo().join("test-corpus/snapshots"))
        .unwrap()
        .flatten()
    {
        let text = std::fs::read_to_string(e.path()).unwrap();
        for line in text.lines() {
            if let Some(msg) = re_head(line) {
                let word: String = msg.chars().take_while(|c| c.is_alphanumeric()).collect();
                let mut cs = word.chars();
                let capitalised = matches!(cs.next(), Some(c) if c.is_uppercase())
                    && word.len() > 1
                    && cs.all(|c| c.is_lowercase());
                if capitalised || msg.ends_with('.') || msg.ends_with('!') {
                    bad.push(format!("{}: {line}", e.file_name().to_string_lossy()));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "messages breaking the convention:\n{}",
        bad.join("\n")
    );
}

/// Returns the message of a diagnostic head line such as `warning[ECS001/...]: message`.
fn regex_lite_head() -> impl Fn(&str) -> Option<&str> {
    |line: &str| {
        for sev in ["error[", "warning[", "note["] {
            if let Some(rest) = line.strip_prefix(sev) {
                if rest.starts_with("input-error") {
                    return None;
                }
                return rest.split_once("]: ").map(|(_, m)| m);
            }
        }
        None
    }
}
