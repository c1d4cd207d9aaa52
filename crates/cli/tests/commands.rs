//! The `rules`, `explain` and `init` commands, and configuration errors as a user sees them.

mod support;

use support::*;

// --- rules and explain ----------------------------------------------------------------------

#[test]
fn rules_lists_every_rule_on_one_aligned_line() {
    let o = cutover(&repo(), &["rules"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr_unwrapped(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    for want in [
        "ECS001   missing-stop-timeout                   warning  essential ECS container without a stopTimeout long enough to drain on SIGTERM",
        "K8S001   missing-resource-requests              warning  container without CPU or memory requests, so it is scheduled and evicted blind",
        "LINT000  unresolved-input                       info     input that cannot be evaluated statically, so dependent rules skipped it",
    ] {
        assert!(lines.contains(&want), "missing line\n{want}\nin\n{out}");
    }
    let ids: Vec<&str> = cutover_rules_ids();
    assert_eq!(lines.len(), ids.len(), "{out}");
    for (line, id) in lines.iter().zip(&ids) {
        assert!(line.starts_with(&format!("{id:<8} ")), "{line}");
        assert_eq!(line.trim_end(), *line, "trailing whitespace: {line:?}");
    }
}

fn cutover_rules_ids() -> Vec<&'static str> {
    cutover_rules::all().iter().map(|r| r.meta().id).collect()
}

#[test]
fn rules_json_has_id_name_severity_summary() {
    let o = cutover(&repo(), &["rules", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let first = &v[0];
    assert_eq!(first["id"], "ECS001");
    assert_eq!(first["name"], "missing-stop-timeout");
    assert_eq!(first["severity"], "warning");
    assert!(first["summary"].as_str().is_some_and(|s| !s.is_empty()));
}

/// A rule page as `explain` prints it: `rules-docs/<ID>.md` without the generator's comment
/// (and the blank line after it).
fn page_of(id: &str) -> String {
    let page =
        std::fs::read_to_string(repo().join(format!("rules-docs/{id}.md"))).unwrap_or_default();
    let start = page.find("<!-- generated").expect("generated comment");
    let end = page[start..].find("-->\n\n").expect("comment end") + start + "-->\n\n".len();
    format!("{}{}", &page[..start], &page[end..])
}

#[test]
fn explain_prints_the_rule_page() {
    let page = page_of("ECS001");
    assert!(
        page.starts_with("# ECS001 missing-stop-timeout\n\n| |"),
        "{page}"
    );
    for key in ["ECS001", "ecs001", "missing-stop-timeout"] {
        let o = cutover(&repo(), &["explain", key]);
        assert_eq!(o.status.code(), Some(0), "{key}: {}", stderr_unwrapped(&o));
        assert_eq!(stdout(&o), page, "explain {key}");
    }
    for id in cutover_rules_ids() {
        assert_eq!(
            stdout(&cutover(&repo(), &["explain", id])),
            page_of(id),
            "{id}"
        );
    }
}

#[test]
fn explain_unknown_rule_is_a_usage_error() {
    let o = cutover(&repo(), &["explain", "NOPE001"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    assert_eq!(
        stderr_unwrapped(&o).trim_end(),
        "error: unknown rule `NOPE001`\n  help: `cutover rules` lists every rule"
    );
}

// --- cutover.toml errors ----------------------------------------------------------------------

#[test]
fn unknown_key_is_reported_at_its_line_and_column() {
    let d = TempDir::new("unknown-key");
    std::fs::write(
        d.path().join("cutover.toml"),
        "[rules]\nselect = [\"ECS\"]\n  severty = {}\n",
    )
    .expect("write");
    let o = cutover(d.path(), &["check", "."]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr_unwrapped(&o));
    let err = stderr_unwrapped(&o);
    assert!(err.contains("unknown key `severty` in `[rules]`"), "{err}");
    assert!(err.contains("cutover.toml:3:3]"), "{err}");
    assert!(err.contains("did you mean `severity`?"), "{err}");
}

#[test]
fn wrong_type_in_explicit_config_is_reported() {
    let d = TempDir::new("wrong-type");
    std::fs::write(
        d.path().join("strict.toml"),
        "# strict\n[k8s]\nrequire_memory_limit = \"yes\"\n",
    )
    .expect("write");
    let o = cutover(d.path(), &["check", "--config", "strict.toml", "."]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr_unwrapped(&o);
    assert!(
        err.contains("`k8s.require-memory-limit` must be a boolean, not a string"),
        "{err}"
    );
    assert!(err.contains("strict.toml:3:24]"), "{err}");
}

#[test]
fn config_is_found_by_walking_up() {
    let d = TempDir::new("walk-up");
    std::fs::create_dir_all(d.path().join("a/b")).expect("mkdir");
    std::fs::write(d.path().join("cutover.toml"), "bogus = true\n").expect("write");
    let o = cutover(&d.path().join("a"), &["check", "b"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr_unwrapped(&o).contains("unknown key `bogus` at the top level"));
}

// --- init -------------------------------------------------------------------------------------

#[test]
fn init_writes_a_valid_file_and_refuses_to_overwrite() {
    let d = TempDir::new("init");
    let o = cutover(d.path(), &["init"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr_unwrapped(&o));
    let path = d.path().join("cutover.toml");
    let text = std::fs::read_to_string(&path).expect("written");
    assert!(text.starts_with("# cutover.toml"));

    // The written file is accepted by `check`.
    std::fs::write(
        d.path().join("pod.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
    )
    .expect("write");
    let o = cutover(d.path(), &["check", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr_unwrapped(&o));

    std::fs::write(&path, "# mine\n").expect("write");
    let o = cutover(d.path(), &["init"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr_unwrapped(&o).contains("already exists (use `--force` to overwrite it)"));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap_or_default(),
        "# mine\n"
    );

    let o = cutover(d.path(), &["init", "--force"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&path).unwrap_or_default(), text);
}
