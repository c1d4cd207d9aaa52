//! Hostile input: every case yields a clear diagnostic (or is accepted as documented), never a
//! panic, and never hides the findings of the other files. Large inputs are generated here.

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::*;

fn dir(name: &str) -> TempDir {
    let d = TempDir::new(&format!("hostile-{name}"));
    // A good file with a known finding, which every case must still report.
    d.write(
        "good.json",
        r#"{"family":"good","containerDefinitions":[{"name":"good","image":"nginx"}]}"#,
    );
    d
}

fn check(d: &Path) -> (i32, Value) {
    let out = cutover(d, &["check", ".", "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["location"]["file"] == "good.json" && f["rule_id"] == "ECS001"),
        "the good file's finding is missing: {v}"
    );
    (out.status.code().unwrap_or(-1), v)
}

/// The one input error of the run, as `file line:col message`.
fn only_error(v: &Value) -> String {
    let errs = v["errors"].as_array().unwrap();
    assert_eq!(errs.len(), 1, "{errs:?}");
    let e = &errs[0];
    let l = &e["location"];
    if l.is_null() {
        format!(
            "{} {}",
            e["file"].as_str().unwrap(),
            e["message"].as_str().unwrap()
        )
    } else {
        format!(
            "{} {}:{} {}",
            e["file"].as_str().unwrap(),
            l["start_line"],
            l["start_column"],
            e["message"].as_str().unwrap()
        )
    }
}

fn findings_in<'v>(v: &'v Value, file: &str) -> Vec<&'v Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["location"]["file"] == file)
        .collect()
}

#[test]
fn yaml_alias_bomb_is_refused() {
    let d = dir("bomb");
    let mut t = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 0..9 {
        let p = if i == 0 {
            "a".to_string()
        } else {
            format!("l{}", i - 1)
        };
        t.push_str(&format!(
            "l{i}: &l{i} [{}]\n",
            vec![format!("*{p}"); 10].join(", ")
        ));
    }
    std::fs::write(d.path().join("bomb.yaml"), t).unwrap();
    let (code, v) = check(d.path());
    assert_eq!(code, 2);
    assert!(
        only_error(&v).starts_with("bomb.yaml 6:45 "),
        "{}",
        only_error(&v)
    );
    assert!(only_error(&v).ends_with(
        "invalid YAML: alias expansion exceeds the limit of 1000000 nodes (a YAML alias bomb?)"
    ));
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let d = dir("deep");
    std::fs::write(
        d.path().join("deep.json"),
        "[".repeat(100_000) + &"]".repeat(100_000),
    )
    .unwrap();
    let (code, v) = check(d.path());
    assert_eq!(code, 2);
    assert_eq!(
        only_error(&v),
        "deep.json 1:257 invalid JSON: nesting deeper than 256 levels"
    );

    let d = dir("deep-yaml");
    let block: String = (0..2000)
        .map(|i| format!("{}k:\n", "  ".repeat(i)))
        .collect();
    std::fs::write(d.path().join("deep.yaml"), block).unwrap();
    let (code, v) = check(d.path());
    assert_eq!(code, 2);
    assert_eq!(
        only_error(&v),
        "deep.yaml 257:513 invalid YAML: nesting deeper than 256 levels"
    );

    let d = dir("deep-flow");
    std::fs::write(
        d.path().join("flow.yaml"),
        format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
    )
    .unwrap();
    let (code, v) = check(d.path());
    assert_eq!(code, 2);
    assert!(
        only_error(&v).starts_with("flow.yaml 1:"),
        "{}",
        only_error(&v)
    );
}

#[test]
fn fifty_thousand_documents() {
    let d = dir("stream");
    let mut t = String::new();
    for i in 0..50_000 {
        t.push_str(&format!("---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}}}\nspec:\n  containers: [{{name: c, image: i, resources: {{requests: {{cpu: 1m, memory: 1Mi}}}}}}]\n"));
    }
    t.push_str("---\napiVersion: v1\nkind: Pod\nmetadata: {name: last}\nspec:\n  containers:\n  - name: last\n    image: i\n");
    std::fs::write(d.path().join("stream.yaml"), t).unwrap();
    let (code, v) = check(d.path());
    assert_eq!(code, 1);
    let f = findings_in(&v, "stream.yaml");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["location"]["start_line"], 300_007);
}

#[test]
fn ten_megabyte_string_of_escaped_json() {
    let d = dir("bigstr");
    let item = r#"{\"name\":\"c\",\"image\":\"i\",\"stopTimeout\":60}"#;
    let n = 10_000_000 / item.len();
    let mut list = vec![item; n].join(",");
    list.push_str(r#",{\"name\":\"late\",\"image\":\"i\"}"#);
    let text = format!(
        r#"{{"resource":{{"aws_ecs_task_definition":{{"a":{{"family":"a","container_definitions":"[{list}]"}}}}}}}}"#
    );
    std::fs::write(d.path().join("big.tf.json"), &text).unwrap();
    let (code, v) = check(d.path());
    assert_eq!(code, 1);
    let f = findings_in(&v, "big.tf.json");
    assert_eq!(f.len(), 1, "{f:?}");
    let col = f[0]["location"]["start_column"].as_u64().unwrap() as usize;
    assert_eq!(&text[col - 1..col - 1 + 17], r#"\"name\":\"late\""#);
}

#[test]
fn encodings_and_line_endings() {
    let d = dir("enc");
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: i\n";
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(pod.as_bytes());
    std::fs::write(d.path().join("bom.yaml"), bom).unwrap();
    let mut be = vec![0xFE, 0xFF];
    for u in pod.encode_utf16() {
        be.extend_from_slice(&u.to_be_bytes());
    }
    std::fs::write(d.path().join("utf16be.yaml"), be).unwrap();
    std::fs::write(d.path().join("crlf.yaml"), pod.replace('\n', "\r\n")).unwrap();
    // Mixed: CRLF for the first half, LF after.
    let mixed: String = pod
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{l}{}", if i < 4 { "\r\n" } else { "\n" }))
        .collect();
    std::fs::write(d.path().join("mixed.yaml"), mixed).unwrap();
    let (code, v) = check(d.path());
    assert_eq!(code, 1);
    for f in ["bom.yaml", "utf16be.yaml", "crlf.yaml", "mixed.yaml"] {
        let x = findings_in(&v, f);
        assert_eq!(x.len(), 1, "{f}");
        assert_eq!(
            (
                x[0]["location"]["start_line"].as_u64(),
                x[0]["location"]["start_column"].as_u64()
            ),
            (Some(7), Some(5)),
            "{f}"
        );
    }
    std::fs::write(d.path().join("latin1.yaml"), b"a: \xe9\n").unwrap();
    let (code, v) = check(d.path());
    assert_eq!(code, 2);
    assert_eq!(only_error(&v), "latin1.yaml not valid UTF-8 (invalid byte at offset 3, line 1); only UTF-8 and UTF-16 with a BOM are read");
}

#[test]
fn yaml_oddities() {
    let d = dir("yaml");
    // Tabs as indentation are invalid YAML.
    std::fs::write(
        d.path().join("tabs.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n\tname: x\n",
    )
    .unwrap();
    let (code, v) = check(d.path());
    assert_eq!(code, 2);
    assert_eq!(
        only_error(&v),
        "tabs.yaml 4:1 invalid YAML: tabs disallowed within this context (block indentation)"
    );
    std::fs::remove_file(d.path().join("tabs.yaml")).unwrap();

    // Documented acceptance: duplicate keys keep the last value (as kubectl's decoder does)
    // and are reported as LINT001;
    // tags are accepted and ignored; merge keys merge, explicit keys win.
    std::fs::write(d.path().join("dups.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: a, name: b}\nspec:\n  containers:\n  - name: c\n    image: i\n").unwrap();
    std::fs::write(d.path().join("tags.yaml"), "apiVersion: !!str v1\nkind: !custom Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - !!map {name: c, image: i}\n").unwrap();
    std::fs::write(
        d.path().join("merge.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: m}\nspec:\n  containers:\n  - &base {name: c, image: i, resources: {requests: {cpu: 1m, memory: 1Mi}}}\n  - <<: *base\n    name: d\n    resources: {}\n",
    )
    .unwrap();
    let (code, v) = check(d.path());
    assert_eq!(code, 1);
    assert!(v["errors"].as_array().unwrap().is_empty());
    let dups: Vec<_> = findings_in(&v, "dups.yaml")
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect();
    // The duplicate key is reported (LINT001) and linting goes on with the last value.
    assert_eq!(dups, ["LINT001", "K8S001"]);
    assert_eq!(findings_in(&v, "tags.yaml").len(), 1);
    let m = findings_in(&v, "merge.yaml");
    assert_eq!(m.len(), 1);
    assert_eq!(
        m[0]["message"],
        "container `d` has no CPU or memory request"
    );

    // Anchors do not cross documents (YAML 1.2): an alias to another document's anchor is an error.
    std::fs::write(d.path().join("anchors.yaml"), "a: &x 1\n---\nb: *x\n").unwrap();
    let (code, v) = check(d.path());
    assert_eq!(code, 2);
    assert_eq!(
        only_error(&v),
        "anchors.yaml 3:4 invalid YAML: alias refers to an unknown anchor"
    );
}

#[test]
fn json_oddities() {
    let d = dir("json");
    std::fs::write(
        d.path().join("garbage.json"),
        r#"{"family":"x","containerDefinitions":[]} trailing"#,
    )
    .unwrap();
    let (code, v) = check(d.path());
    assert_eq!(code, 2);
    assert_eq!(
        only_error(&v),
        "garbage.json 1:42 invalid JSON: trailing characters after the JSON value"
    );
    std::fs::remove_file(d.path().join("garbage.json")).unwrap();

    // Huge numbers are kept as written; a stopTimeout too large for any integer type is not a
    // finding (it cannot be below the minimum) and does not crash.
    let huge = format!(
        r#"{{"family":"h","cpu":1{},"memory":1e99999,"containerDefinitions":[{{"name":"h","image":"i","stopTimeout":99999999999999999999999}},{{"name":"neg","image":"i","stopTimeout":-1e400}}]}}"#,
        "0".repeat(5000)
    );
    std::fs::write(d.path().join("huge.json"), huge).unwrap();
    std::fs::write(d.path().join("empty.json"), "").unwrap();
    std::fs::write(d.path().join("empty.yaml"), "# only a comment\n").unwrap();
    let (code, v) = check(d.path());
    assert_eq!(code, 1);
    assert!(v["errors"].as_array().unwrap().is_empty());
    assert!(findings_in(&v, "huge.json").is_empty());
    let skipped: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["file"].as_str().unwrap())
        .collect();
    assert!(
        skipped.contains(&"empty.json") && skipped.contains(&"empty.yaml"),
        "{skipped:?}"
    );
}

#[cfg(unix)]
#[test]
fn special_files_in_the_tree() {
    let d = dir("special");
    // A directory symlink loop is not followed.
    std::fs::create_dir(d.path().join("loop")).unwrap();
    std::os::unix::fs::symlink("..", d.path().join("loop/up")).unwrap();
    // A broken symlink and a FIFO named like a manifest are reported, never opened blocking.
    std::os::unix::fs::symlink("nowhere.yaml", d.path().join("broken.yaml")).unwrap();
    let fifo = d.path().join("fifo.yaml");
    let ok = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let (code, v) = check(d.path());
    assert_eq!(code, 2);
    let errs: Vec<String> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e["file"].as_str().unwrap(),
                e["message"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        errs.iter()
            .any(|e| e.starts_with("broken.yaml: broken symbolic link")),
        "{errs:?}"
    );
    if ok {
        assert!(
            errs.contains(
                &"fifo.yaml: not a regular file (FIFO, socket or device); skipped".to_string()
            ),
            "{errs:?}"
        );
    }
}

#[test]
fn limits_are_configurable() {
    let d = dir("limits");
    std::fs::write(
        d.path().join("cutover.toml"),
        "[limits]\nmax_file_bytes = 1000\nmax_depth = 4\nmax_alias_nodes = 10\n",
    )
    .unwrap();
    std::fs::write(
        d.path().join("big.json"),
        format!("[{}0]", "0, ".repeat(400)),
    )
    .unwrap();
    std::fs::write(d.path().join("deep.json"), "[[[[[1]]]]]").unwrap();
    std::fs::write(
        d.path().join("alias.yaml"),
        "a: &a [1, 2, 3, 4, 5, 6]\nb: [*a, *a]\n",
    )
    .unwrap();
    let (code, v) = check(d.path());
    assert_eq!(code, 2);
    let errs: Vec<String> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e["file"].as_str().unwrap(),
                e["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        errs,
        vec![
            "alias.yaml: invalid YAML: alias expansion exceeds the limit of 10 nodes (a YAML alias bomb?)".to_string(),
            "big.json: file is 1203 bytes, over the limit of 1000 bytes (raise `[limits] max-file-bytes` in cutover.toml to read it)".to_string(),
            "deep.json: invalid JSON: nesting deeper than 4 levels".to_string(),
        ]
    );
}

#[test]
fn two_hundred_megabyte_json_is_refused_by_the_default_size_limit() {
    use std::io::Write;
    let d = dir("huge");
    // A well-formed plan-shaped JSON of 200 MiB, written in chunks.
    let path = d.path().join("plan.json");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    f.write_all(
        b"{\"format_version\":\"1.2\",\"planned_values\":{\"root_module\":{\"resources\":[",
    )
    .unwrap();
    let item = br#"{"address":"aws_ssm_parameter.p","mode":"managed","type":"aws_ssm_parameter","name":"p","values":{"name":"/app/param","value":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}},"#;
    let mut written = 0usize;
    while written < 200 * 1024 * 1024 {
        f.write_all(item).unwrap();
        written += item.len();
    }
    f.write_all(b"{}]}}}").unwrap();
    f.flush().unwrap();
    drop(f);
    let size = std::fs::metadata(&path).unwrap().len();
    let started = std::time::Instant::now();
    let (code, v) = check(d.path());
    assert_eq!(code, 2);
    assert_eq!(
        only_error(&v),
        format!(
            "plan.json file is {size} bytes, over the limit of 134217728 bytes (raise `[limits] max-file-bytes` in cutover.toml to read it)"
        )
    );
    // Refused from its size alone, without reading it.
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

/// Runs `cutover check` in `d` as an unprivileged user: as root (CI containers) through
/// `setpriv`, because root reads files whatever their mode.
fn check_unprivileged(d: &Path) -> Option<(i32, Value)> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let out = if root {
        // The binary must be reachable by that user: run a copy from the test directory.
        let exe = d.join("cutover-copy");
        std::fs::copy(env!("CARGO_BIN_EXE_cutover"), &exe).unwrap();
        let probe = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "true"])
            .status();
        if !probe.map(|s| s.success()).unwrap_or(false) {
            eprintln!("setpriv cannot drop privileges here; permission case not exercised");
            return None;
        }
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&exe)
            .args([
                "check",
                ".",
                "--format",
                "json",
                "--exclude",
                "cutover-copy",
            ])
            .current_dir(d)
            .output()
            .unwrap()
    } else {
        Command::new(env!("CARGO_BIN_EXE_cutover"))
            .args(["check", ".", "--format", "json"])
            .current_dir(d)
            .output()
            .unwrap()
    };
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    Some((out.status.code().unwrap_or(-1), v))
}

#[test]
fn permission_denied_file_and_directory() {
    use std::os::unix::fs::PermissionsExt;
    let d = dir("denied");
    let mode = |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m));
    mode(d.path(), 0o755).unwrap();
    mode(&d.path().join("good.json"), 0o644).unwrap();
    std::fs::write(d.path().join("secret.yaml"), "a: 1\n").unwrap();
    mode(&d.path().join("secret.yaml"), 0o000).unwrap();
    std::fs::create_dir(d.path().join("private")).unwrap();
    std::fs::write(d.path().join("private/inner.yaml"), "a: 1\n").unwrap();
    mode(&d.path().join("private"), 0o000).unwrap();
    let result = check_unprivileged(d.path());
    // Restore, so that the directory can be removed.
    mode(&d.path().join("private"), 0o755).unwrap();
    let Some((code, v)) = result else { return };
    assert_eq!(code, 2);
    let errs: Vec<String> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e["file"].as_str().unwrap(),
                e["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        errs,
        vec![
            "private: cannot read: Permission denied (os error 13)".to_string(),
            "secret.yaml: cannot read: Permission denied (os error 13)".to_string(),
        ]
    );
    assert!(findings_in(&v, "good.json")
        .iter()
        .any(|f| f["rule_id"] == "ECS001"));
}
