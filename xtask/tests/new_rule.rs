//! `cargo xtask new-rule` end to end, on a copy of the workspace: the new rule builds, is listed
//! by `cutover rules`, gets its page from `cargo xtask docs`, and its placeholder fixtures fail
//! the fixture test with the text telling the author what to write. Refusals exit with 2.
//!
//! The copy is built with `CARGO_TARGET_DIR=<target>/new-rule-test` (its own build lock, so it
//! never waits for the `cargo test` that runs this), seeded once from `<target>/debug` with the
//! compiled registry dependencies, so that only the workspace crates are compiled (about a
//! minute on two cores; the first run of a fresh `target/` compiles what is missing).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

fn workspace() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::canonicalize(&p).unwrap_or(p)
}

/// The target directory this test was built in: `<target>/debug/deps/new_rule-<hash>`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| workspace().join("target"))
}

struct Copy(PathBuf);

impl Drop for Copy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Copy the workspace's sources (no `target/`, no `.git`) to a fresh directory, with their
/// modification times.
fn copy_workspace(name: &str) -> Copy {
    fn walk(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("create dir");
        for e in std::fs::read_dir(from).expect("read dir").flatten() {
            let n = e.file_name();
            let (src, dst) = (e.path(), to.join(&n));
            let ft = e.file_type().expect("file type");
            if ft.is_dir() {
                if n != "target" && n != ".git" {
                    walk(&src, &dst);
                }
            } else if ft.is_file() {
                std::fs::copy(&src, &dst).expect("copy file");
                // Keep the modification time: cargo then reuses what an earlier run of this
                // test compiled from the same sources.
                let modified = e.metadata().and_then(|m| m.modified());
                if let Ok(t) = modified {
                    let f = std::fs::File::options().write(true).open(&dst);
                    let _ = f.and_then(|f| f.set_modified(t));
                }
            }
        }
    }
    let dir = std::env::temp_dir().join(format!("cutover-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    walk(&workspace(), &dir);
    Copy(dir)
}

/// Whether a file or directory of a target directory belongs to a workspace crate (these are
/// compiled anew in the copy, never shared): `libcutover_rules-<hash>.rlib`, `lint-engine-<hash>`.
fn ours(name: &str) -> bool {
    let n = name.trim_start_matches("lib").replace('_', "-");
    ["cutover", "lint-engine", "xtask"]
        .iter()
        .any(|w| n.starts_with(w))
}

/// Seed `dst/debug` once with the compiled registry dependencies of `src/debug`: libraries are
/// hard-linked (cargo only reads them while their fingerprints are fresh), fingerprints and build
/// script outputs copied (cargo rewrites those). Workspace crates and everything else are left
/// out, so the copy compiles its own crates from its own sources.
fn seed(src: &Path, dst: &Path) {
    fn copy_tree(from: &Path, to: &Path) {
        let Ok(entries) = std::fs::read_dir(from) else {
            return;
        };
        let _ = std::fs::create_dir_all(to);
        for e in entries.flatten() {
            let (s, d) = (e.path(), to.join(e.file_name()));
            if s.is_dir() {
                copy_tree(&s, &d);
            } else if !d.exists() {
                let _ = std::fs::copy(&s, &d);
            }
        }
    }
    let marker = dst.join("debug/.seeded");
    if marker.exists() {
        return;
    }
    let deps = dst.join("debug/deps");
    let _ = std::fs::create_dir_all(&deps);
    for e in std::fs::read_dir(src.join("debug/deps"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        let lib = name.starts_with("lib") && !name.ends_with(".d");
        if lib && !ours(&name) && !deps.join(&name).exists() {
            let _ = std::fs::hard_link(e.path(), deps.join(&name));
        }
    }
    for sub in ["build", ".fingerprint"] {
        for e in std::fs::read_dir(src.join("debug").join(sub))
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = e.file_name().to_string_lossy().into_owned();
            if !ours(&name) {
                copy_tree(&e.path(), &dst.join("debug").join(sub).join(&name));
            }
        }
    }
    let _ = std::fs::write(marker, "");
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run command")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn new_rule(root: &Path, args: &[&str]) -> Output {
    run(Command::new(XTASK)
        .arg("new-rule")
        .args(args)
        .env("XTASK_ROOT", root))
}

#[test]
fn new_rule_builds_is_listed_documented_and_its_placeholder_fixture_fails() {
    let ws = copy_workspace("new-rule");
    let root = ws.0.as_path();
    let target = target_dir().join("new-rule-test");
    seed(&target_dir(), &target);

    // Refused before anything is written: malformed ID, wrong prefix, taken ID, taken name.
    for (args, want) in [
        (["PAR01", "x-y", "par"], "malformed rule ID `PAR01`"),
        (["NET900", "x-y", "par"], "must start with PAR"),
        (["ECS001", "x-y", "ecs"], "rule ID ECS001 is taken"),
        (
            ["ECS900", "missing-stop-timeout", "ecs"],
            "is taken by ECS001",
        ),
        (["PAR099", "Bad_Name", "par"], "not kebab-case"),
        (["PAR099", "x-y", "nope"], "unknown domain `nope`"),
    ] {
        let o = new_rule(root, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(text(&o).contains(want), "{args:?}: {}", text(&o));
    }
    let lib = std::fs::read_to_string(root.join("crates/rules/src/lib.rs")).expect("lib.rs");
    assert!(!lib.contains("example_parity_gap"), "{lib}");
    assert!(!root
        .join("crates/rules/src/par/example_parity_gap.rs")
        .exists());

    let o = new_rule(root, &["PAR099", "example-parity-gap", "par"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let rule = root.join("crates/rules/src/par/example_parity_gap.rs");
    assert!(rule.is_file(), "{}", text(&o));
    let lib = std::fs::read_to_string(root.join("crates/rules/src/lib.rs")).expect("lib.rs");
    assert!(lib.contains("pub mod par;"), "{lib}");
    assert!(
        lib.contains("    &par::log_routing_parity::LogRoutingParity,\n    &par::example_parity_gap::ExampleParityGap,\n"),
        "registered in ID order: {lib}"
    );
    let again = new_rule(root, &["PAR099", "other-name", "par"]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));

    // Build the copy (its own target directory, seeded from ours).
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let build = run(Command::new(&cargo)
        .args(["build", "--quiet", "-p", "cutover", "-p", "xtask", "--bins"])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", &target));
    assert!(build.status.success(), "build: {}", text(&build));

    let rules = run(Command::new(target.join("debug/cutover"))
        .arg("rules")
        .current_dir(root));
    assert!(
        text(&rules)
            .lines()
            .any(|l| l.starts_with("PAR099") && l.contains("example-parity-gap")),
        "{}",
        text(&rules)
    );

    let docs = run(Command::new(target.join("debug/xtask"))
        .arg("docs")
        .current_dir(root)
        .env("XTASK_ROOT", root));
    assert!(docs.status.success(), "{}", text(&docs));
    let page = std::fs::read_to_string(root.join("rules-docs/PAR099.md")).expect("PAR099 page");
    assert!(page.starts_with("# PAR099 example-parity-gap\n"), "{page}");
    assert!(page.contains("src/par/example_parity_gap.rs"), "{page}");
    let index = std::fs::read_to_string(root.join("rules-docs/README.md")).expect("index");
    assert!(index.contains("[PAR099](PAR099.md)"), "{index}");

    let fixtures = run(Command::new(&cargo)
        .args([
            "test", "--quiet", "-p", "cutover", "--test", "corpus", "--", "PAR099",
        ])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("CUTOVER_BLESS"));
    let out = text(&fixtures);
    assert!(
        !fixtures.status.success(),
        "placeholder fixtures passed: {out}"
    );
    assert!(
        out.contains("PAR099-example-parity-gap/invalid.yaml is a placeholder: replace this file with an input that PAR099 flags"),
        "{out}"
    );
    assert!(
        out.contains("PAR099-example-parity-gap/valid.yaml is a placeholder: replace this file with an input that PAR099 must not flag"),
        "{out}"
    );
}
