//! Content-based fingerprints of findings, for SARIF `partialFingerprints` and baselines.
//!
//! A fingerprint is derived from the rule ID (its first ID when renamed, so baselines and
//! dismissed alerts survive the rename), the file's repository-relative path, the finding's
//! logical location and the flagged text (whitespace-normalised), never from a line or column:
//! inserting unrelated lines above a finding keeps its fingerprint, so a dismissed code-scanning
//! alert stays dismissed and a baselined finding stays baselined. The logical location is
//! `Finding::logical_path` (`aws_ecs_task_definition.app/containerDefinitions[app]`); without one,
//! the JSON pointer of the innermost node holding the primary span (`#0/spec/template/spec`).
//!
//! Findings that would share a fingerprint (same rule, file, place and text) are told apart by
//! their order of occurrence: the second one gets `…:1`, the third `…:2`.

use std::collections::{BTreeMap, HashMap};

use lint_engine::doc::Node;
use lint_engine::{FileId, Finding, SourceDb, SourceFile, Span};
use rayon::prelude::*;

/// Key under which the fingerprint appears in SARIF `partialFingerprints`.
pub const SARIF_KEY: &str = "cutover/v1";

/// 64-bit FNV-1a: small, stable across platforms and releases (unlike `DefaultHasher`).
#[cfg(test)]
fn fnv1a(bytes: &[u8], seed: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// 128 bits as 32 hex digits: two 64-bit FNV-1a hashes of `s` with different seeds, computed in
/// one pass (the two chains of multiplications run side by side).
fn hash_hex(s: &str) -> String {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut a = 0xcbf2_9ce4_8422_2325u64;
    let mut b = 0xcbf2_9ce4_8422_2325u64 ^ 0x9e37_79b9_7f4a_7c15;
    for &byte in s.as_bytes() {
        a = (a ^ u64::from(byte)).wrapping_mul(PRIME);
        b = (b ^ u64::from(byte)).wrapping_mul(PRIME);
    }
    format!("{a:016x}{b:016x}")
}

/// Collapse runs of whitespace so re-indenting a block keeps the fingerprint.
#[cfg(test)]
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_normalised(&mut out, text);
    out
}

/// [`normalise`] appended to `out`: the words of `text` separated by one space.
fn push_normalised(out: &mut String, text: &str) {
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
}

/// JSON pointer (with a `#doc` prefix) of the innermost node whose span holds `span`.
pub fn pointer_of(file: &SourceFile, span: Span) -> Option<String> {
    pointers_of(file, &[span]).pop().flatten()
}

/// [`pointer_of`] for several spans of one file, in one walk of its documents (a file with many
/// findings was walked once per finding).
pub fn pointers_of(file: &SourceFile, spans: &[Span]) -> Vec<Option<String>> {
    let mut best: Vec<Option<(u32, String)>> = vec![None; spans.len()];
    for (i, doc) in file.docs.iter().enumerate() {
        doc.walk(&mut |ptr: &str, n: &Node| {
            for (b, span) in best.iter_mut().zip(spans) {
                if n.span.start <= span.start && span.end <= n.span.end {
                    let width = n.span.end - n.span.start;
                    if b.as_ref().is_none_or(|(w, _)| width <= *w) {
                        *b = Some((width, format!("#{i}{ptr}")));
                    }
                }
            }
        });
    }
    best.into_iter().map(|b| b.map(|(_, p)| p)).collect()
}

/// [`logical`] of every finding, in order: each file holding findings without a logical path
/// is walked once for all of them (files in parallel).
fn logical_paths(db: &SourceDb, findings: &[&Finding]) -> Vec<String> {
    let mut by_file: BTreeMap<FileId, Vec<usize>> = BTreeMap::new();
    for (k, f) in findings.iter().enumerate() {
        if f.logical_path.is_none() {
            by_file.entry(f.primary.file).or_default().push(k);
        }
    }
    let groups: Vec<(FileId, Vec<usize>)> = by_file.into_iter().collect();
    let walked: Vec<Vec<Option<String>>> = groups
        .par_iter()
        .map(|(file, ks)| {
            let spans: Vec<Span> = ks.iter().map(|&k| findings[k].primary.span).collect();
            pointers_of(db.get(*file), &spans)
        })
        .collect();
    let mut out: Vec<String> = findings
        .iter()
        .map(|f| f.logical_path.clone().unwrap_or_default())
        .collect();
    for ((_, ks), ptrs) in groups.iter().zip(walked) {
        for (&k, p) in ks.iter().zip(ptrs) {
            out[k] = p.unwrap_or_default();
        }
    }
    out
}

/// The logical location used in the fingerprint.
pub fn logical(db: &SourceDb, f: &Finding) -> String {
    if let Some(l) = &f.logical_path {
        return l.clone();
    }
    pointer_of(db.get(f.primary.file), f.primary.span).unwrap_or_default()
}

/// The fingerprint input before hashing (exposed for tests and debugging).
pub fn material(db: &SourceDb, rel_path: &str, f: &Finding) -> String {
    material_with(db, rel_path, f, &logical(db, f))
}

/// [`material`] with the finding's logical location already known.
fn material_with(db: &SourceDb, rel_path: &str, f: &Finding, logical: &str) -> String {
    let text = db.get(f.primary.file).slice(f.primary.span);
    let id = crate::select::first_id(&f.rule_id);
    let mut m = String::with_capacity(id.len() + rel_path.len() + logical.len() + text.len() + 6);
    for part in [id, rel_path, logical] {
        m.push_str(part);
        m.push('\u{1f}');
    }
    push_normalised(&mut m, text);
    m
}

/// Fingerprints of `findings`, in order. `rel_path` maps a finding's file to its
/// repository-relative path.
///
/// The hashes are computed in parallel; the occurrence suffixes are then given in the order of
/// `findings`, so the result does not depend on the number of threads.
pub fn fingerprints<'f>(
    db: &SourceDb,
    findings: impl IntoIterator<Item = &'f Finding>,
    rel_path: &(dyn Fn(&Finding) -> String + Sync),
) -> Vec<String> {
    let findings: Vec<&Finding> = findings.into_iter().collect();
    let logicals = logical_paths(db, &findings);
    let bases: Vec<String> = findings
        .par_iter()
        .zip(logicals.par_iter())
        .map(|(f, l)| hash_hex(&material_with(db, &rel_path(f), f, l)))
        .collect();
    let mut seen: HashMap<String, usize> = HashMap::with_capacity(bases.len());
    bases
        .into_iter()
        .map(|base| match seen.get_mut(&base) {
            None => {
                seen.insert(base.clone(), 1);
                base
            }
            Some(n) => {
                let fp = format!("{base}:{n}");
                *n += 1;
                fp
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lint_engine::runner::{load_all, run_rules, MemoryInput};
    use lint_engine::{load::Limits, Model};

    fn findings_of(name: &str, text: &str) -> (lint_engine::runner::LoadOutcome, Vec<Finding>) {
        let outcome = load_all(
            &[],
            vec![MemoryInput {
                path: name.into(),
                bytes: text.as_bytes().to_vec(),
            }],
            &Limits::default(),
        );
        let model = Model::build(&outcome.db);
        let findings = run_rules(
            &model,
            cutover_rules::all(),
            &lint_engine::Config::default(),
        );
        (outcome, findings)
    }

    fn fps(name: &str, text: &str) -> Vec<(String, u32, String)> {
        let (outcome, findings) = findings_of(name, text);
        let rel = |f: &Finding| outcome.db.get(f.primary.file).name.clone();
        let fps = fingerprints(&outcome.db, &findings, &rel);
        findings
            .iter()
            .zip(fps)
            .map(|(f, fp)| {
                let line = outcome
                    .db
                    .get(f.primary.file)
                    .line_col(f.primary.span.start)
                    .line;
                (f.rule_id.clone(), line, fp)
            })
            .collect()
    }

    const TASKDEF: &str = r#"{
  "family": "app",
  "containerDefinitions": [
    {"name": "app", "image": "nginx", "essential": true},
    {"name": "sidecar", "image": "envoy", "essential": true}
  ]
}
"#;

    #[test]
    fn the_one_pass_hash_is_the_two_fnv1a_hashes() {
        let material =
            "ECS001\u{1f}ecs/app.json\u{1f}#0/containerDefinitions/0\u{1f}\"image\": \"nginx\"";
        // Fixed values: a change here changes every fingerprint users have baselined or dismissed.
        assert_eq!(hash_hex(material), "69cb2d3de3645b3ce23e03c7ad15b559");
        assert_eq!(hash_hex(""), "cbf29ce48422232555c5e55dfb685f30");
        for s in ["", "a", material, "é😀\n\t x"] {
            let two = format!(
                "{:016x}{:016x}",
                fnv1a(s.as_bytes(), 0),
                fnv1a(s.as_bytes(), 0x9e37_79b9_7f4a_7c15)
            );
            assert_eq!(hash_hex(s), two, "{s:?}");
        }
        assert_eq!(normalise("  image:\n\t  nginx  "), "image: nginx");
        assert_eq!(normalise(" \n "), "");
    }

    #[test]
    fn pointers_of_one_walk_gives_the_pointers_of_each_span() {
        let text = TASKDEF;
        let outcome = load_all(
            &[],
            vec![MemoryInput {
                path: "taskdef.json".into(),
                bytes: text.as_bytes().to_vec(),
            }],
            &Limits::default(),
        );
        let file = outcome.db.get(FileId(0));
        let at = |s: &str| {
            let i = text.find(s).unwrap() as u32;
            Span {
                start: i,
                end: i + s.len() as u32,
            }
        };
        let spans = [at("\"envoy\""), at("\"app\","), at("{\"name\": \"app\"")];
        let all = pointers_of(file, &spans);
        assert_eq!(all[0].as_deref(), Some("#0/containerDefinitions/1/image"));
        assert_eq!(all[1].as_deref(), Some("#0"));
        assert_eq!(all[2].as_deref(), Some("#0/containerDefinitions/0"));
        for (span, p) in spans.iter().zip(&all) {
            assert_eq!(&pointer_of(file, *span), p);
        }
    }

    #[test]
    fn inserting_lines_above_keeps_fingerprints() {
        let before = fps("taskdef.json", TASKDEF);
        assert_eq!(before.len(), 2, "{before:?}");
        let shifted = TASKDEF.replacen(
            "  \"family\": \"app\",\n",
            "  \"family\": \"app\",\n  \"cpu\": \"256\",\n\n  \"memory\": \"512\",\n",
            1,
        );
        let after = fps("taskdef.json", &shifted);
        assert_eq!(after.len(), 2);
        for (b, a) in before.iter().zip(&after) {
            assert_eq!(b.0, a.0);
            assert_ne!(b.1, a.1, "the finding must have moved");
            assert_eq!(
                b.2, a.2,
                "fingerprint changed when lines were inserted above"
            );
        }
        // Distinct containers give distinct fingerprints.
        assert_ne!(before[0].2, before[1].2);
    }

    #[test]
    fn other_file_or_rule_changes_fingerprint() {
        let a = fps("a/taskdef.json", TASKDEF);
        let b = fps("b/taskdef.json", TASKDEF);
        assert_ne!(a[0].2, b[0].2);
    }

    #[test]
    fn reindenting_keeps_fingerprint_and_fallback_pointer_is_used() {
        let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: nginx\n";
        let before = fps("pod.yaml", yaml);
        let after = fps("pod.yaml", &format!("# a comment\n\n{yaml}"));
        assert!(!before.is_empty());
        assert_eq!(
            before.iter().map(|x| &x.2).collect::<Vec<_>>(),
            after.iter().map(|x| &x.2).collect::<Vec<_>>()
        );
    }

    #[test]
    fn duplicates_get_an_occurrence_suffix() {
        let (outcome, findings) = findings_of("taskdef.json", TASKDEF);
        let rel = |_: &Finding| "same".to_string();
        let twice: Vec<&Finding> = vec![&findings[0], &findings[0]];
        let fps = fingerprints(&outcome.db, twice, &rel);
        assert_eq!(fps[1], format!("{}:1", fps[0]));
    }
}
