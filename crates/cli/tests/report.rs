//! `cutover report`: verdicts per service on the shipped example, the formats (JSON against its
//! schema, markdown, HTML in a real browser), `--service`, and the options it shares with
//! `check` (baseline, selection, exit codes).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::*;

fn example_json() -> Value {
    let out = cutover(
        &repo(),
        &["report", "--format", "json", "examples/migration"],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    json_of(&out)
}

/// Verdict of each service, as `name (ecs id | kubernetes id): verdict`.
fn verdicts(v: &Value) -> Vec<String> {
    v["services"]
        .as_array()
        .expect("services")
        .iter()
        .map(|s| {
            let id = |k: &str| s[k]["id"].as_str().unwrap_or("-").to_string();
            format!(
                "{} ({} | {}): {}",
                s["name"].as_str().unwrap_or(""),
                id("ecs"),
                id("kubernetes"),
                s["verdict"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn example_shows_all_three_verdicts() {
    let v = example_json();
    let s = &v["summary"];
    assert!(s["ready"].as_u64() > Some(0), "{s}");
    assert!(s["needs_work"].as_u64() > Some(0), "{s}");
    assert!(s["blocked"].as_u64() > Some(0), "{s}");
    let all = verdicts(&v);
    assert!(
        all.iter().any(
            |l| l.starts_with("payments (aws_ecs_service.payments") && l.ends_with(": blocked")
        ),
        "{all:#?}"
    );
    assert!(
        all.contains(&"catalog (taskdef:catalog | Deployment/shop/catalog): ready".to_string()),
        "a pair is one service: {all:#?}"
    );
    let catalog = v["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "catalog")
        .expect("catalog");
    assert_eq!(catalog["paired_by"], "annotation");
    let shutdown = catalog["parity"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["aspect"] == "shutdown window (s)")
        .expect("shutdown row");
    assert_eq!(shutdown["ecs"]["value"], "60");
    assert_eq!(
        shutdown["ecs"]["file"],
        "examples/migration/ecs/catalog-taskdef.json"
    );
    assert_eq!(shutdown["ecs"]["line"], 13);
    assert_eq!(shutdown["kubernetes"]["value"], "60");
    assert_eq!(shutdown["kubernetes"]["line"], 16);
    assert_eq!(shutdown["verdict"], "ok");
    // The ECS001 finding on the payments container is the payments service's, under shutdown.
    let payments = v["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["ecs"]["id"] == "aws_ecs_service.payments")
        .expect("payments");
    let shutdown = payments["concerns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["concern"] == "shutdown")
        .expect("shutdown concern");
    let f = &shutdown["findings"][0];
    assert_eq!(f["rule"], "ECS001");
    assert_eq!(f["file"], "examples/migration/terraform/payments.tf.json");
    assert_eq!(f["severity"], "error");
    // Repository-wide: the IRSA trust of a role no single service owns.
    let wide: Vec<&str> = v["repository_wide"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(wide.contains(&"IAM001"), "{wide:?}");
    assert_eq!(
        v["summary"]["repository_wide"].as_u64(),
        Some(wide.len() as u64)
    );
}

/// `schemas/readiness-report-v1.json` describes what `report --format json` writes.
#[test]
fn json_report_matches_its_schema() {
    let text = std::fs::read_to_string(repo().join("schemas/readiness-report-v1.json")).unwrap();
    let schema = jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap();
    let mut reports = vec![example_json()];
    for dir in ["scenarios", "rules"] {
        let out = cutover(&test_corpus(), &["report", "--format", "json", dir]);
        reports.push(json_of(&out));
    }
    for v in &reports {
        let errors: Vec<String> = schema
            .iter_errors(v)
            .take(5)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
    // A report that breaks the schema is caught.
    let mut bad = reports[0].clone();
    bad["services"][0]["verdict"] = Value::from("fine");
    assert!(!schema.is_valid(&bad));
}

#[test]
fn one_service_in_the_terminal() {
    let out = cutover(
        &repo(),
        &["report", "examples/migration", "--service", "catalog"],
    );
    assert_eq!(code(&out), 1, "exit code follows the whole run, as check's");
    let text = stdout(&out);
    assert!(text.starts_with("catalog: ready\n"), "{text}");
    assert!(!text.contains("payments"), "{text}");
    assert!(
        !text.contains('\x1b'),
        "no colour when not a terminal: {text:?}"
    );
    let out = cutover(
        &repo(),
        &[
            "report",
            "examples/migration",
            "--service",
            "aws_ecs_service.payments",
        ],
    );
    let text = stdout(&out);
    assert!(text.starts_with("payments: blocked\n"), "{text}");
    // One service: each finding with its source lines.
    assert!(
        text.contains("\n        27 |         \"container_definitions\": "),
        "{text}"
    );
    let out = bin()
        .current_dir(repo())
        .args([
            "report",
            "examples/migration",
            "--service",
            "catalog",
            "--color",
            "always",
        ])
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("\x1b[32mready\x1b[0m"),
        "{}",
        stdout(&out)
    );
    let out = cutover(
        &repo(),
        &["report", "examples/migration", "--service", "nope"],
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("no service named `nope`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn same_options_as_check() {
    let tmp = TempDir::new("report-baseline");
    let base = tmp.path().join("baseline.json");
    let out = cutover(
        &repo(),
        &[
            "check",
            "examples/migration",
            "--write-baseline",
            base.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = cutover(
        &repo(),
        &[
            "report",
            "--format",
            "json",
            "examples/migration",
            "--baseline",
            base.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v = json_of(&out);
    assert_eq!(
        v["summary"]["ready"], v["summary"]["services"],
        "{}",
        v["summary"]
    );
    // Selection: with only ECS001, orders needs work and nothing blocks.
    let out = cutover(
        &repo(),
        &[
            "report",
            "--format",
            "json",
            "examples/migration",
            "--select",
            "ECS001",
            "--fail-on",
            "error",
        ],
    );
    assert_eq!(code(&out), 1, "payments' ECS001 is an error");
    let v = json_of(&out);
    assert_eq!(v["summary"]["blocked"], 1, "{}", v["summary"]);
    // Input errors: exit 2, as check.
    let tmp = TempDir::new("report-bad");
    tmp.write("bad.json", "{\"family\": ");
    assert_eq!(code(&cutover(tmp.path(), &["report", "."])), 2);
}

/// Headless Chromium, when installed (required in CI).
fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser"].iter().find_map(|name| {
        Command::new(name)
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|_| PathBuf::from(name))
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "chromium is not installed: run scripts/install-test-tools.sh"
        );
        eprintln!("skipped: chromium is not installed (scripts/install-test-tools.sh installs it)");
    }
    found
}

fn headless(chromium: &Path, profile: &Path, extra: &[&str], page: &Path) -> std::process::Output {
    Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium")
}

/// The HTML page in a real browser: the rendered DOM has the counts and verdicts of the JSON
/// report, the console has no error, and a screenshot is kept under `target/`.
#[test]
fn html_report_in_a_browser() {
    let out_dir = repo().join("target/report-html");
    std::fs::create_dir_all(&out_dir).unwrap();
    let page = out_dir.join("migration.html");
    let out = cutover(
        &repo(),
        &[
            "report",
            "--format",
            "html",
            "examples/migration",
            "-o",
            page.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let html = std::fs::read_to_string(&page).unwrap();
    for remote in ["http://", "https://", "<link", " src="] {
        assert!(
            !html.contains(remote),
            "the page loads nothing: found {remote}"
        );
    }
    let Some(chromium) = chromium() else { return };
    let profile = TempDir::in_target("chromium-profile");
    let dom = headless(&chromium, profile.path(), &["--dump-dom"], &page);
    assert!(dom.status.success(), "{}", stderr(&dom));
    let dom_text = stdout(&dom);
    let log = stderr(&dom);
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
    let v = example_json();
    for (id, key) in [
        ("count-ready", "ready"),
        ("count-needs-work", "needs_work"),
        ("count-blocked", "blocked"),
        ("count-services", "services"),
    ] {
        let want = format!("id=\"{id}\">{}</b>", v["summary"][key]);
        assert!(dom_text.contains(&want), "{want} not in the rendered page");
    }
    assert!(
        dom_text.contains("<tr data-service=\"catalog\" data-verdict=\"ready\">"),
        "catalog is ready in the page"
    );
    assert!(dom_text.contains("data-service=\"payments\" data-verdict=\"blocked\""));
    let shot = out_dir.join("migration.png");
    let _ = std::fs::remove_file(&shot);
    let arg = format!("--screenshot={}", shot.display());
    let taken = headless(
        &chromium,
        profile.path(),
        &[&arg, "--window-size=1000,700"],
        &page,
    );
    assert!(taken.status.success(), "{}", stderr(&taken));
    assert!(
        std::fs::metadata(&shot)
            .map(|m| m.len() > 1000)
            .unwrap_or(false),
        "no screenshot"
    );
}

/// The parity table has a secrets row for a container with ECS secrets, judged by PAR004.
#[test]
fn secrets_row_is_judged_by_par004() {
    let out = cutover(
        &repo(),
        &[
            "report",
            "--format",
            "json",
            "test-corpus/scenarios/par004-secrets-taskdef",
        ],
    );
    let v = json_of(&out);
    let row = v["services"][0]["parity"]
        .as_array()
        .expect("parity")
        .iter()
        .find(|p| p["aspect"] == "secrets")
        .expect("secrets row")
        .clone();
    assert_eq!(
        row["ecs"]["value"],
        "DB_PASSWORD, DB_USER, API_TOKEN, STRIPE_KEY, SENTRY_DSN, OLD_TOKEN, REDIS_URL, LEGACY_KEY"
    );
    assert_eq!(row["ecs"]["line"], 7);
    assert_eq!(
        row["kubernetes"]["value"],
        "from Secret made-by-hand, payments-api, payments-db, redis-plain"
    );
    assert_eq!(row["kubernetes"]["line"], 21);
    assert_eq!(row["verdict"], "error (PAR004)");
}

/// In a pair with two containers, each container's rows are judged by its own findings: the
/// sidecar's missing secret marks its secrets row, not the app container's.
#[test]
fn parity_rows_of_several_containers_take_only_their_own_findings() {
    let out = cutover(
        &repo(),
        &[
            "report",
            "--format",
            "json",
            "test-corpus/scenarios/par004-two-containers",
        ],
    );
    let v = json_of(&out);
    let verdict = |aspect: &str| {
        v["services"][0]["parity"]
            .as_array()
            .expect("parity")
            .iter()
            .find(|p| p["aspect"] == aspect)
            .map(|p| p["verdict"].clone())
    };
    assert_eq!(verdict("secrets (app)"), Some("ok".into()));
    assert_eq!(
        verdict("secrets (sidecar)"),
        Some("warning (PAR004)".into())
    );
    assert_eq!(verdict("image (sidecar)"), Some("ok".into()));
}
