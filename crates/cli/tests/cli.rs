//! End-to-end behaviour of `cutover check`: input errors, exit codes, determinism, stdin, and the
//! real-world corpus smoke test.

mod support;

use std::process::Stdio;

use support::*;

#[test]
fn broken_file_does_not_hide_findings_in_others() {
    let tmp = TempDir::new("broken");
    let d = tmp.path().to_path_buf();
    std::fs::write(
        d.join("broken.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: indent\n",
    )
    .unwrap();
    std::fs::write(
        d.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx\n",
    )
    .unwrap();
    let out = bin()
        .current_dir(&d)
        .args(["check", ".", "--color", "never"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("error[input-error]: invalid YAML"), "{text}");
    assert!(text.contains("┌─ broken.yaml:5:"), "{text}");
    assert!(text.contains("warning[K8S001/missing-resource-requests]: container `web` has no CPU or memory request"), "{text}");
    assert!(text.contains("┌─ pod.yaml:7:7"), "{text}");

    let out = bin()
        .current_dir(&d)
        .args(["check", ".", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v = json_of(&out);
    assert_eq!(v["errors"][0]["file"], "broken.yaml");
    assert_eq!(v["errors"][0]["location"]["start_line"], 5);
    assert_eq!(v["findings"][0]["rule_id"], "K8S001");
    assert_eq!(v["findings"][0]["location"]["file"], "pod.yaml");
}

#[test]
fn exit_codes_follow_fail_on() {
    let tmp = TempDir::new("exit");
    let d = tmp.path().to_path_buf();
    std::fs::write(
        d.join("td.json"),
        r#"{"family":"a","containerDefinitions":[{"name":"a","image":"x","stopTimeout":60}]}"#,
    )
    .unwrap();
    let st = bin()
        .current_dir(&d)
        .args(["check", "."])
        .output()
        .unwrap()
        .status;
    assert_eq!(st.code(), Some(0));
    std::fs::write(
        d.join("td.json"),
        r#"{"family":"a","containerDefinitions":[{"name":"a","image":"x"}]}"#,
    )
    .unwrap();
    let st = bin()
        .current_dir(&d)
        .args(["check", "."])
        .output()
        .unwrap()
        .status;
    assert_eq!(st.code(), Some(1));
    let st = bin()
        .current_dir(&d)
        .args(["check", ".", "--fail-on", "error"])
        .output()
        .unwrap()
        .status;
    assert_eq!(st.code(), Some(0));
    let st = bin()
        .current_dir(&d)
        .args(["check", ".", "--select", "NOPE"])
        .output()
        .unwrap()
        .status;
    assert_eq!(st.code(), Some(2));
    let st = bin()
        .current_dir(&d)
        .args(["check", "missing-path"])
        .output()
        .unwrap()
        .status;
    assert_eq!(st.code(), Some(2));
}

#[test]
fn undecodable_and_binary_files_get_one_line_errors() {
    let tmp = TempDir::new("binary");
    let d = tmp.path().to_path_buf();
    std::fs::write(d.join("bin.json"), [0x7b, 0x00, 0x01, 0xff]).unwrap();
    std::fs::write(d.join("latin1.yaml"), b"name: caf\xe9\n").unwrap();
    // UTF-16LE with BOM is decoded and linted.
    let td = r#"{"family":"a","containerDefinitions":[{"name":"a","image":"x"}]}"#;
    let mut utf16 = vec![0xFF, 0xFE];
    for u in td.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    std::fs::write(d.join("utf16.json"), utf16).unwrap();
    let out = bin()
        .current_dir(&d)
        .args(["check", ".", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v = json_of(&out);
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
            "bin.json: binary file (contains NUL bytes); not a text manifest".to_string(),
            "latin1.yaml: not valid UTF-8 (invalid byte at offset 9, line 1); only UTF-8 and UTF-16 with a BOM are read".to_string(),
        ]
    );
    assert_eq!(v["findings"][0]["location"]["file"], "utf16.json");
    assert_eq!(v["findings"][0]["location"]["start_column"], 40);
}

#[test]
fn stdin_with_a_filename() {
    let mut child = bin()
        .args([
            "check",
            "-",
            "--stdin-filename",
            "deploy.yaml",
            "--format",
            "json",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v = json_of(&out);
    assert_eq!(v["findings"][0]["location"]["file"], "deploy.yaml");
    assert_eq!(v["findings"][0]["location"]["start_line"], 6);
    assert_eq!(v["findings"][0]["location"]["start_column"], 5);
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    let mut outs = Vec::new();
    for threads in ["1", "2", "4"] {
        let out = bin()
            .current_dir(repo())
            .env("RAYON_NUM_THREADS", threads)
            .args(["check", "test-corpus", "examples", "--format", "json"])
            .output()
            .unwrap();
        outs.push(out.stdout);
    }
    assert!(!outs[0].is_empty());
    assert!(
        outs[0] == outs[1] && outs[1] == outs[2],
        "JSON differs between thread counts"
    );
}

/// The real-world corpus: no panic, every K8s/ECS/Terraform-JSON file classified and parsed, and
/// the only input errors are the files that really are malformed upstream.
#[test]
fn real_world_corpus_smoke() {
    let corpus = repo().join("../shared/corpus/real");
    if !corpus.is_dir() {
        eprintln!("skipping: {} not present", corpus.display());
        return;
    }
    let out = bin()
        .current_dir(repo().join(".."))
        .args(["check", "shared/corpus/real", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out);
    let errors: Vec<String> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let l = &e["location"];
            format!(
                "{}:{}:{} {}",
                e["file"].as_str().unwrap(),
                l["start_line"],
                l["start_column"],
                e["message"].as_str().unwrap()
            )
        })
        .collect();
    // The corpus keeps 2 of the 10 resources of one kustomization: rendering it fails (its files
    // are then linted as written).
    let (render, errors): (Vec<String>, Vec<String>) = errors
        .into_iter()
        .partition(|e| e.contains("`kubectl kustomize` failed for"));
    assert_eq!(render.len(), 1, "{render:#?}");
    assert!(render[0].starts_with(
        "shared/corpus/real/k8s/GoogleCloudPlatform__microservices-demo/kubernetes-manifests:"
    ));
    assert_eq!(
        errors,
        vec![
            "shared/corpus/real/ecs-taskdefs/aws-samples__amazon-ecs-firelens-examples/examples/fluent-bit/dynatrace/task-definition.json:34:20 invalid JSON: expected `,` or `}` after an object member, found `\"`".to_string(),
            "shared/corpus/real/k8s/stackrox__kube-linter/pkg/command/lint/testdata/invalid.yaml:2:1 invalid YAML: invalid indentation".to_string(),
        ]
    );
    // Unrendered Helm templates are skipped with a note, not reported as broken.
    let helm: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["reason"].as_str().unwrap().contains("Helm"))
        .map(|s| s["file"].as_str().unwrap())
        .collect();
    assert_eq!(helm.len(), 4, "{helm:?}");
    // Every Kubernetes and Terraform-JSON file is read; the only skipped task-definition-folder
    // files are ECS service definitions and bare container definitions, which are not task
    // definitions.
    let skipped: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["file"].as_str().unwrap())
        .collect();
    for s in &skipped {
        assert!(
            !s.contains("/terraform-json/"),
            "Terraform JSON not read: {s}"
        );
        let ok = s.ends_with("service-definition.json")
            || s.ends_with("ecs-service-def.json")
            || s.ends_with("/sv.json")
            || s.contains("container-definition/definition")
            || s.ends_with("helm-chart/values.yaml")
            || s.ends_with("aws_lb_controller_iam_policy.json")
            || helm.contains(s);
        assert!(ok, "unexpectedly skipped: {s}");
    }
    // UTF-16 plans (what PowerShell's `>` writes) are decoded and linted like any other file.
    let files = v["summary"]["files"].as_u64().unwrap();
    assert!(files >= 239, "only {files} files loaded");
}

#[test]
fn walking_honours_ignore_files_and_excludes() {
    let tmp = TempDir::new("walk");
    let d = tmp.path().to_path_buf();
    let td = r#"{"family":"a","containerDefinitions":[{"name":"a","image":"x"}]}"#;
    for f in [
        "keep/td.json",
        "gitignored/td.json",
        "dotignored/td.json",
        "vendor/td.json",
        "keep/skip-me.json",
    ] {
        let p = d.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, td).unwrap();
    }
    std::fs::write(d.join(".gitignore"), "gitignored/\n").unwrap();
    std::fs::write(d.join(".ignore"), "dotignored/\n").unwrap();
    let out = bin()
        .current_dir(&d)
        .args([
            "check",
            ".",
            "--format",
            "json",
            "--exclude",
            "vendor",
            "--exclude",
            "keep/skip-*.json",
        ])
        .output()
        .unwrap();
    let v = json_of(&out);
    let files: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, vec!["keep/td.json"]);
    // An explicitly named file is always linted, whatever its name.
    std::fs::write(d.join("taskdef.txt"), td).unwrap();
    let out = bin()
        .current_dir(&d)
        .args(["check", "taskdef.txt", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        json_of(&out)["findings"][0]["location"]["file"],
        "taskdef.txt"
    );
}

/// `-v` lists the files of a walked directory that are skipped because of their name or their
/// shape, with the reason; without `-v` the report does not list files skipped by name.
#[test]
fn verbose_lists_files_skipped_by_extension_and_shape() {
    let tmp = TempDir::new("skipped");
    let d = tmp.path().to_path_buf();
    std::fs::write(d.join("app.json.tpl"), "[]").unwrap();
    std::fs::write(d.join("README"), "x").unwrap();
    std::fs::write(d.join("ids.json"), r#"[{"id": 1}]"#).unwrap();
    std::fs::write(
        d.join("containers.json"),
        r#"[{"name": "a", "image": "nginx:1"}]"#,
    )
    .unwrap();
    let run = |verbose: bool| {
        let mut args = vec!["check", ".", "--format", "json"];
        if verbose {
            args.push("-v");
        }
        let out = bin().current_dir(&d).args(&args).output().unwrap();
        let v = json_of(&out);
        v["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                format!(
                    "{}: {}",
                    s["file"].as_str().unwrap(),
                    s["reason"].as_str().unwrap()
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        run(true),
        vec![
            "README: no file extension (cutover reads .json, .yaml, .yml, .tf and .tfvars)",
            "app.json.tpl: `.tpl` files are not read (cutover reads .json, .yaml, .yml, .tf and .tfvars)",
            "ids.json: top level is an array, but not of ECS container definitions (objects with a `name` and an `image`)",
        ]
    );
    assert_eq!(
        run(false),
        vec!["ids.json: top level is an array, but not of ECS container definitions (objects with a `name` and an `image`)"]
    );
}

/// The report is streamed (findings rendered in parallel batches, written in order): it must not
/// depend on the number of threads, and the JSON and SARIF documents must be exactly what
/// pretty-printing them whole gives (sorted keys, two-space indentation).
#[test]
fn reports_are_byte_identical_whatever_the_thread_count() {
    let corpus = test_corpus();
    for format in ["json", "sarif", "github", "human"] {
        let run = |threads: &str| {
            let out = bin()
                .args(["check", "--format", format, "--fail-on", "never"])
                .arg(&corpus)
                .env("RAYON_NUM_THREADS", threads)
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(2),
                "{format}: the corpus has input errors"
            );
            out.stdout
        };
        let one = run("1");
        assert!(one.len() > 10_000, "{format}: {} bytes", one.len());
        assert_eq!(one, run("3"), "{format}: 1 thread vs 3");
        if format == "json" || format == "sarif" {
            let v: serde_json::Value = serde_json::from_slice(&one).unwrap();
            let mut whole = serde_json::to_vec_pretty(&v).unwrap();
            whole.push(b'\n');
            assert!(
                whole == one,
                "{format}: streamed document differs from the whole one"
            );
        }
        if format == "json" {
            let v: serde_json::Value = serde_json::from_slice(&one).unwrap();
            assert!(v["findings"].as_array().is_some_and(|f| f.len() > 64));
            assert!(v["suppressed"].as_array().is_some_and(|s| !s.is_empty()));
        }
    }
}
