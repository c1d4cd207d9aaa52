//! `cutover-aws`: a read-only cutover plugin that checks IAM and ECR against a live AWS account.
//!
//! * `cutover-aws rules --protocol 1` / `check --protocol 1`: a rule plugin (see docs/plugins.md)
//!   that adds live findings to the built-in IAM001, replaces the built-in IAM002 for the images it
//!   evaluates live (IAM003 for the IRSA roles it reads, IAM005 for the secrets whose execution
//!   role it reads), and adds AWS001 (a referenced resource could not be read) and AWS002 (it
//!   does not exist).
//! * `cutover aws explain-role <arn>`: the role's effective permissions that matter for a
//!   migration, evaluated with the same policy evaluator as cutover's rules.
//!
//! See docs/aws-plugin.md.

mod aws;
mod check;
mod explain;
mod live_rules;
mod ops;

use std::io::Read;
use std::process::ExitCode;

use serde_json::{json, Value as Json};

const USAGE: &str = "\
cutover-aws: check IAM roles and ECR repository policies in a live AWS account (read-only)

usage:
  cutover aws explain-role <role-arn> [--region R] [--endpoint-url URL] [--profile P]
  cutover check --plugin aws ...        (runs `cutover-aws check --protocol 1`)
  cutover-aws rules --protocol 1
  cutover-aws check --protocol 1 < request.json

Credentials come from the standard AWS chain (environment, profiles, SSO, web identity,
container and instance metadata). AWS_ENDPOINT_URL or --endpoint-url point it at an emulator.
Only Get* and List* calls are made (and sts:GetCallerIdentity).";

const AWS001_DOC: &str = "## What it does\nReports a role or ECR repository referenced by the inputs that `cutover-aws` could not read: access denied, throttled after retries, an expired token or a network error. The message carries the AWS error code and message. The rest of the run goes on: one unreadable resource never fails the check.\n\n## Why it matters\nThe live checks of IAM001 and IAM002 are only as complete as what could be read. A role that cannot be read is not checked.\n\n## How to fix\nGive the credentials that `cutover-aws` uses the read-only permissions listed in docs/aws-plugin.md, or configure a profile or role for the resource's account in `[plugin.aws.accounts]`.\n";
const AWS002_DOC: &str = "## What it does\nReports a role (`NoSuchEntity`) or ECR repository (`RepositoryNotFoundException`) that the inputs reference and that does not exist in the live account.\n\n## Why it matters\nA task or pod whose execution role, task role, IRSA role or image repository is missing fails at start: the migration would cut over to something that cannot run.\n\n## How to fix\nCorrect the ARN or the image URI (account, region, name), or create the resource before the cut-over.\n";

fn rules_answer() -> Json {
    json!({
        "protocol": 1,
        "plugin": {
            "version": env!("CARGO_PKG_VERSION"),
            "description": "IAM and ECR checks against a live AWS account (read-only)"
        },
        "rules": [
            {"id": "AWS001", "name": "aws-resource-unreadable", "default_severity": "warning",
             "summary": "a role or ECR repository referenced by the inputs could not be read from AWS",
             "help_markdown": AWS001_DOC, "security": false},
            {"id": "AWS002", "name": "aws-resource-missing", "default_severity": "error",
             "summary": "a role or ECR repository referenced by the inputs does not exist in AWS",
             "help_markdown": AWS002_DOC, "security": false}
        ],
        "extends": ["IAM001"],
        "supersedes": ["IAM002", "IAM003", "IAM005"]
    })
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

fn protocol_ok(args: &[String]) -> Result<(), String> {
    match args {
        [flag, v] if flag == "--protocol" && v == "1" => Ok(()),
        [flag, v] if flag == "--protocol" => Err(format!(
            "cutover-aws speaks plugin protocol version 1 only, not {v}"
        )),
        _ => Err("expected `--protocol 1`".into()),
    }
}

fn check() -> Result<(), String> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| format!("cannot read the request: {e}"))?;
    let req: Json =
        serde_json::from_str(&input).map_err(|e| format!("invalid request JSON: {e}"))?;
    if req["protocol"] != 1 {
        return Err(format!(
            "the request has protocol {}, but cutover-aws speaks version 1 only",
            req["protocol"]
        ));
    }
    let opts: aws::Options = match &req["options"] {
        Json::Null => aws::Options::default(),
        o => serde_json::from_value(o.clone())
            .map_err(|e| format!("invalid `[plugin.aws]` options: {e}"))?,
    };
    let rt = runtime().map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let answer = rt.block_on(check::run(&req, opts))?;
    println!(
        "{}",
        json!({"protocol": 1, "findings": answer.findings, "evaluated": answer.evaluated})
    );
    Ok(())
}

fn explain_role(args: &[String]) -> Result<(), String> {
    let mut opts = aws::Options::default();
    let mut arn = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("`{name}` needs a value"))
        };
        match a.as_str() {
            "--region" => opts.region = Some(value("--region")?),
            "--endpoint-url" => opts.endpoint_url = Some(value("--endpoint-url")?),
            "--profile" => opts.profile = Some(value("--profile")?),
            s if s.starts_with('-') => return Err(format!("unknown option `{s}`\n\n{USAGE}")),
            s if arn.is_none() => arn = Some(s.to_string()),
            s => return Err(format!("unexpected argument `{s}`")),
        }
    }
    let Some(arn) = arn else {
        return Err(format!("`explain-role` needs a role ARN\n\n{USAGE}"));
    };
    let rt = runtime().map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let text = rt.block_on(explain::explain(&arn, opts))?;
    print!("{text}");
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("rules") => protocol_ok(&args[1..]).map(|()| println!("{}", rules_answer())),
        Some("check") => protocol_ok(&args[1..]).and_then(|()| check()),
        Some("explain-role") => explain_role(&args[1..]),
        Some("--version" | "-V") => {
            println!("cutover-aws {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Some("--help" | "-h" | "help") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cutover-aws: error: {e}");
            ExitCode::from(2)
        }
    }
}
