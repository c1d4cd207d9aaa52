//! A renamed rule keeps its former ID: `LNT001` still names `LINT002 unused-suppression` in
//! suppression comments, `--select`/`--ignore`, configuration severities and baselines.

use std::path::{Path, PathBuf};
use std::process::Output;

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cutover-renamed-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn check(dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_cutover"))
        .current_dir(dir)
        .args(["check", "--format", "json"])
        .args(args)
        .arg(".")
        .output()
        .unwrap()
}

/// (rule ID, severity, "line:col-line:col", message) of every finding.
fn findings(out: &Output) -> Vec<(String, String, String, String)> {
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let l = &f["location"];
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                format!(
                    "{}:{}-{}:{}",
                    l["start_line"], l["start_column"], l["end_line"], l["end_column"]
                ),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const POD: &str = "\
# cutover: ignore[LNT001] the former ID of unused-suppression
apiVersion: v1
kind: Pod
metadata:
  name: web # cutover: ignore[K8S001] nothing left to suppress
spec:
  containers:
    - name: web
      image: nginx
      resources: {requests: {cpu: 100m, memory: 64Mi}}
";

#[test]
fn former_id_lnt001_still_names_lint002() {
    let d = tempdir("ids");
    std::fs::write(d.join("pod.yaml"), POD).unwrap();

    // In a suppression comment, LNT001 resolves to LINT002 (it is not an unknown rule).
    let all = findings(&check(&d, &[]));
    let expected = vec![
        (
            "LINT002".to_string(),
            "warning".to_string(),
            "1:1-1:62".to_string(),
            "suppression of `LINT002` matches no finding".to_string(),
        ),
        (
            "LINT002".to_string(),
            "warning".to_string(),
            "5:13-5:63".to_string(),
            "suppression of `K8S001` matches no finding".to_string(),
        ),
    ];
    assert_eq!(all, expected);

    // `--ignore LNT001` turns LINT002 off; `--select lnt001` runs it alone, so the suppression
    // of K8S001 (not enabled) is not judged.
    assert_eq!(findings(&check(&d, &["--ignore", "LNT001"])), vec![]);
    assert_eq!(
        findings(&check(&d, &["--select", "lnt001"])),
        expected[..1].to_vec()
    );

    // A severity override in the configuration.
    std::fs::write(
        d.join("cutover.toml"),
        "[rules]\nseverity = { LNT001 = \"error\" }\n",
    )
    .unwrap();
    let sev: Vec<String> = findings(&check(&d, &[])).into_iter().map(|f| f.1).collect();
    assert_eq!(sev, vec!["error", "error"]);
    std::fs::write(d.join("cutover.toml"), "[rules]\nignore = [\"LNT001\"]\n").unwrap();
    assert_eq!(findings(&check(&d, &[])), vec![]);
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn fingerprints_survive_the_rename() {
    // Fingerprints of the `suppressions` scenario's unused-suppression findings, as reported when
    // the rule was still LNT001: built from the rule's first ID, they must not change, so
    // baselines and dismissed code-scanning alerts keep matching.
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-corpus/scenarios/suppressions");
    let out = check(&dir, &[]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<(&str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "LINT002")
        .map(|f| {
            (
                f["location"]["file"].as_str().unwrap(),
                f["fingerprint"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("cutover.toml", "9a6f5a8ba9392f217bc1cbb3972d1f36"),
            ("cutover.toml", "9a6f5a8ba9392f217bc1cbb3972d1f36:1"),
            ("k8s/apps.yaml", "d8bf166798bf7adeb17e0fbe4eb3871b"),
            ("k8s/apps.yaml", "35b29885b5acf68a5e4126323a65bdc5"),
            ("k8s/apps.yaml", "e4c72b40f807a3ef8251f67fbba5500e"),
            ("k8s/apps.yaml", "e4c72b40f807a3ef8251f67fbba5500e:1"),
        ]
    );
}

#[test]
fn a_baseline_written_before_the_rename_still_matches() {
    let d = tempdir("baseline");
    std::fs::write(d.join("pod.yaml"), POD).unwrap();
    let out = check(&d, &["--write-baseline", "base.json"]);
    assert_eq!(out.status.code(), Some(0));
    // The same file as the former release wrote it: only the human-readable `rule_id` differs.
    let text = std::fs::read_to_string(d.join("base.json")).unwrap();
    assert!(text.contains("\"rule_id\": \"LINT002\""), "{text}");
    std::fs::write(
        d.join("base.json"),
        text.replace("\"LINT002\"", "\"LNT001\""),
    )
    .unwrap();
    let out = check(&d, &["--baseline", "base.json"]);
    assert_eq!(findings(&out), vec![]);
    assert_eq!(out.status.code(), Some(0));
    std::fs::remove_dir_all(&d).ok();
}
