//! Generates the cases of `tests/corpus.rs`: one `#[test]` per rule fixture file and per
//! scenario of `test-corpus/`, so that each can be run on its own, e.g.
//! `cargo test -p cutover --test corpus -- ECS001` or `-- scenarios::`. Nothing else uses it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    // The manifest directory of this build (read at run time: a build script binary may be
    // reused from a build of the same sources elsewhere).
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let corpus = manifest.join("../../test-corpus");
    for sub in ["rules", "scenarios"] {
        println!("cargo:rerun-if-changed={}", corpus.join(sub).display());
    }
    println!("cargo:rerun-if-changed=build.rs");
    let mut code = String::from("mod rules {\n    use super::*;\n");
    for dir in entries(&corpus.join("rules"))
        .into_iter()
        .filter(|p| p.is_dir())
    {
        let folder = name(&dir);
        let _ = writeln!(
            code,
            "    #[allow(non_snake_case)]\n    mod {} {{\n        use super::*;\n        #[test]\n        fn has_valid_and_invalid_fixtures() {{\n            rule_folder({folder:?});\n        }}",
            ident(&folder)
        );
        for path in entries(&dir) {
            let file = name(&path);
            // A directory fixture holds the several files of one cross-file case.
            let is_fixture = path.is_dir()
                || [".json", ".yaml", ".yml", ".tf"]
                    .iter()
                    .any(|x| file.ends_with(x));
            if is_fixture && (file.starts_with("valid") || file.starts_with("invalid")) {
                let _ = writeln!(
                    code,
                    "        #[test]\n        fn {}() {{\n            rule_fixture({folder:?}, {file:?});\n        }}",
                    ident(&file)
                );
            }
        }
        code.push_str("    }\n");
    }
    code.push_str("}\n\nmod scenarios {\n    use super::*;\n");
    for dir in entries(&corpus.join("scenarios"))
        .into_iter()
        .filter(|p| p.is_dir())
    {
        let scenario = name(&dir);
        let _ = writeln!(
            code,
            "    #[test]\n    fn {}() {{\n        scenario({scenario:?});\n    }}",
            ident(&scenario)
        );
    }
    code.push_str("}\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    if let Err(e) = std::fs::write(out.join("corpus_cases.rs"), code) {
        println!("cargo:warning=cannot write the corpus test cases: {e}");
    }
}

/// The entries of `dir`, sorted (none when it does not exist, e.g. in a packaged crate).
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    out.sort();
    out
}

fn name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A Rust identifier for a file name: `invalid-plan.tf.json` → `invalid_plan_tf_json`.
fn ident(s: &str) -> String {
    let mut id: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        id.insert(0, 'f');
    }
    id
}
