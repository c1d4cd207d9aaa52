//! Baselines: `--write-baseline FILE` records the current findings by fingerprint;
//! `--baseline FILE` then reports only findings that are not in it.
//!
//! The file is JSON, version 1, sorted so that it diffs well:
//! ```text
//! {"version": 1, "tool": "cutover",
//!  "findings": [{"fingerprint": "…", "rule_id": "ECS001", "file": "ecs/app.json",
//!                "logical_path": "…" | null, "message": "…"}]}
//! ```
//! Matching is by fingerprint only (rule, repository-relative file, logical location and flagged
//! text; see `fingerprint.rs`), one baseline entry per finding: a finding that moved to other
//! lines still matches, the same finding in another file does not. `rule_id`, `file` and
//! `message` are there for people reading the file.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use lint_engine::Finding;

pub const VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub fingerprint: String,
    pub rule_id: String,
    pub file: String,
    #[serde(default)]
    pub logical_path: Option<String>,
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    #[serde(default)]
    pub tool: String,
    pub findings: Vec<Entry>,
}

impl Baseline {
    pub fn new(mut findings: Vec<Entry>) -> Self {
        findings.sort();
        Baseline {
            version: VERSION,
            tool: "cutover".into(),
            findings,
        }
    }

    pub fn entry(f: &Finding, fingerprint: &str, file: &str) -> Entry {
        Entry {
            fingerprint: fingerprint.to_string(),
            rule_id: f.rule_id.clone(),
            file: file.to_string(),
            logical_path: f.logical_path.clone(),
            message: f.message.clone(),
        }
    }

    pub fn read(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
        let b: Baseline = serde_json::from_str(&text)
            .map_err(|e| format!("invalid baseline {}: {e}", path.display()))?;
        if b.version != VERSION {
            return Err(format!(
                "baseline {} has version {}; this cutover reads version {VERSION}",
                path.display(),
                b.version
            ));
        }
        Ok(b)
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        let mut text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        text.push('\n');
        std::fs::write(path, text)
            .map_err(|e| format!("cannot write baseline {}: {e}", path.display()))
    }

    /// For each fingerprint, whether it is new (`true`) or matched by the baseline. Each
    /// baseline entry matches at most one finding.
    pub fn new_findings(&self, fingerprints: &[String]) -> Vec<bool> {
        let mut left: HashMap<&str, usize> = HashMap::new();
        for e in &self.findings {
            *left.entry(e.fingerprint.as_str()).or_insert(0) += 1;
        }
        fingerprints
            .iter()
            .map(|fp| match left.get_mut(fp.as_str()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(fp: &str) -> Entry {
        Entry {
            fingerprint: fp.into(),
            rule_id: "ECS001".into(),
            file: "a.json".into(),
            logical_path: None,
            message: String::new(),
        }
    }

    #[test]
    fn one_entry_matches_one_finding() {
        let b = Baseline::new(vec![entry("x"), entry("y")]);
        let got = b.new_findings(&["x".into(), "x".into(), "z".into(), "y".into()]);
        assert_eq!(got, vec![false, true, true, false]);
    }

    #[test]
    fn roundtrip_and_version_check() {
        let dir = std::env::temp_dir().join(format!("cutover-baseline-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("b.json");
        Baseline::new(vec![entry("y"), entry("x")])
            .write(&p)
            .unwrap();
        let back = Baseline::read(&p).unwrap();
        assert_eq!(back.findings[0].fingerprint, "x");
        std::fs::write(&p, r#"{"version": 9, "findings": []}"#).unwrap();
        assert!(Baseline::read(&p).unwrap_err().contains("version 9"));
        std::fs::remove_dir_all(&dir).ok();
    }
}
