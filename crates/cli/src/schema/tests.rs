//! Tests of the configuration schema and its diagnostics.

use super::*;

#[test]
fn shipped_schema_is_up_to_date() {
    let generated = generate_text();
    assert!(
        SHIPPED == generated,
        "{SCHEMA_PATH} is stale: run `cargo xtask schema` and commit the result"
    );
}

fn err(text: &str) -> ConfigError {
    match validate("cutover.toml", text) {
        Ok(()) => panic!("expected an error for:\n{text}"),
        Err(e) => e,
    }
}

fn at(text: &str, span: &Option<Range<usize>>) -> String {
    let s = span.clone().unwrap_or(0..0);
    text[s].to_string()
}

#[test]
fn empty_and_valid_files_pass() {
    assert!(validate("cutover.toml", "").is_ok());
    let text = "fail-on = \"error\"\nexclude = [\"vendor/**\"]\n\n[rules]\nselect = [\"ECS\"]\n\
                severity = { ECS001 = \"error\" }\n\n[ecs]\nmin-stop-timeout-seconds = 60\n\n\
                [[ignore]]\npath = \"legacy/**\"\nrule = \"K8S001\"\nreason = \"batch\"\n\
                expires = 2026-06-30\n";
    assert!(validate("cutover.toml", text).is_ok());
    assert!(parse_ok(text));
}

fn parse_ok(text: &str) -> bool {
    crate::config::parse("cutover.toml", text).is_ok()
}

#[test]
fn unknown_key_in_section_points_at_key_with_suggestion() {
    let text = "[rules]\nselct = [\"ECS\"]\n";
    let e = err(text);
    assert_eq!(e.message, "unknown key `selct` in `[rules]`");
    assert_eq!(at(text, &e.span), "selct");
    assert_eq!(e.help.as_deref(), Some("did you mean `select`?"));
}

#[test]
fn unknown_top_level_key_is_rejected() {
    let text = "fail_on = \"error\"\n";
    let e = err(text);
    assert_eq!(e.message, "unknown key `fail_on` at the top level");
    assert_eq!(at(text, &e.span), "fail_on");
    assert_eq!(e.help.as_deref(), Some("did you mean `fail-on`?"));

    let text = "\n\nmin-stop-timeout-seconds = 60\n";
    let e = err(text);
    assert_eq!(e.span, Some(2..26));
    assert_eq!(
        e.help.as_deref(),
        Some("`min-stop-timeout-seconds` belongs in `[ecs]`")
    );

    let e = err("zzz = 1\n");
    assert!(e.help.unwrap_or_default().starts_with("expected one of "));
}

#[test]
fn wrong_type_points_at_value() {
    let text = "[ecs]\nmin-stop-timeout-seconds = \"30\"\n";
    let e = err(text);
    assert_eq!(
        e.message,
        "`ecs.min-stop-timeout-seconds` must be an integer, not a string"
    );
    assert_eq!(at(text, &e.span), "\"30\"");

    let text = "ecs.include-log-routers = 1\n";
    let e = err(text);
    assert_eq!(at(text, &e.span), "1");
    assert!(e.message.contains("must be a boolean, not an integer"));

    let text = "[ecs]\nmin-stop-timeout-seconds = -5\n";
    let e = err(text);
    assert_eq!(
        e.message,
        "`ecs.min-stop-timeout-seconds` must be at least 0, not -5"
    );
    assert_eq!(at(text, &e.span), "-5");

    let text = "[rules]\nselect = \"ECS001\"\n";
    let e = err(text);
    assert_eq!(at(text, &e.span), "\"ECS001\"");
    assert!(e.message.contains("must be an array, not a string"));
}

#[test]
fn enums_and_nested_tables() {
    let text = "fail-on = \"warnings\"\n";
    let e = err(text);
    assert_eq!(at(text, &e.span), "\"warnings\"");
    assert_eq!(e.help.as_deref(), Some("did you mean `warning`?"));

    let text = "[rules.severity]\nECS001 = \"fatal\"\n";
    let e = err(text);
    assert_eq!(at(text, &e.span), "\"fatal\"");
    assert!(e
        .message
        .starts_with("`rules.severity.ECS001` must be one of"));

    let text = "[[ignore]]\npath = \"a\"\nrule = \"ECS001\"\nreason = \"x\"\n\n\
                [[ignore]]\npath = \"b\"\nrule = \"ECS001\"\nreasn = \"y\"\n";
    let e = err(text);
    let all: Vec<&ConfigError> = std::iter::once(&e).chain(e.related_errors()).collect();
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(all
        .iter()
        .any(|x| x.message == "unknown key `reasn` in `[[ignore]]`"
            && at(text, &x.span) == "reasn"
            && x.help.as_deref() == Some("did you mean `reason`?")));
    assert!(all
        .iter()
        .any(|x| x.message == "`[[ignore]]` entry 2 is missing the required key `reason`"));
}

#[test]
fn unknown_rules_point_at_the_name() {
    let text = "[rules]\nselect = [\"ECS\", \"missing-stop-timeot\"]\n";
    let e = err(text);
    assert_eq!(
        e.message,
        "unknown rule selector `missing-stop-timeot` in `rules.select`"
    );
    assert_eq!(at(text, &e.span), "\"missing-stop-timeot\"");
    assert_eq!(
        e.help.as_deref(),
        Some("did you mean `missing-stop-timeout`?")
    );

    let text = "[rules.severity]\nECS01 = \"error\"\n";
    let e = err(text);
    assert_eq!(e.message, "unknown rule `ECS01` in `[rules.severity]`");
    assert_eq!(at(text, &e.span), "ECS01");

    let text = "[[ignore]]\npath = \"a/**\"\nrule = \"NET999\"\nreason = \"r\"\n";
    let e = err(text);
    assert_eq!(at(text, &e.span), "\"NET999\"");
    assert_eq!(e.help.as_deref(), Some("`cutover rules` lists the rules"));

    let ok = "[rules]\nselect = [\"ALL\", \"ecs\", \"K8S001\", \"unresolved-input\"]\n\
              severity = { missing-stop-timeout = \"error\", lint000 = \"warning\" }\n";
    assert!(validate("cutover.toml", ok).is_ok());
}

#[test]
fn toml_syntax_errors_keep_their_span() {
    let e = err("[rules\n");
    assert!(e.span.is_some());
}

#[test]
fn old_snake_case_keys_are_read_and_named() {
    let text = "[ecs]\nmin_stop_timeout_seconds = 60\n\n[criticality.non_critical]\necs_services = [\"batch-*\"]\n\n\
                [criticality.production.tags]\ncost_center = [\"prod\"]\n\n[criticality.non_critical.ecs_tags]\ntier_name = [\"batch\"]\n";
    let (rewritten, old) = rewrite_old_spellings(text);
    let names: Vec<(&str, &str, String)> = old
        .iter()
        .map(|o| {
            (
                o.old.as_str(),
                o.new.as_str(),
                text[o.span.clone()].to_string(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            (
                "min_stop_timeout_seconds",
                "min-stop-timeout-seconds",
                "min_stop_timeout_seconds".to_string()
            ),
            ("non_critical", "non-critical", "non_critical".to_string()),
            ("ecs_services", "ecs-services", "ecs_services".to_string()),
            ("non_critical", "non-critical", "non_critical".to_string()),
            ("ecs_tags", "ecs-tags", "ecs_tags".to_string()),
        ]
    );
    // Free-form map keys (tag names) keep their spelling; offsets are unchanged.
    assert!(rewritten.contains("cost_center = ") && rewritten.contains("tier_name = "));
    assert_eq!(rewritten.len(), text.len());
    let (cfg, warnings) = crate::config::parse_with_warnings("cutover.toml", text)
        .unwrap_or_else(|e| panic!("{:?}", miette::Report::new(e)));
    assert_eq!(cfg.engine.ecs.min_stop_timeout_seconds, 60);
    assert_eq!(
        cfg.engine.criticality.non_critical.ecs_services,
        ["batch-*"]
    );
    assert_eq!(
        warnings[0],
        "warning: cutover.toml:2:1: `min_stop_timeout_seconds` is now spelt `min-stop-timeout-seconds` \
         (every configuration key is kebab-case); the old spelling still works"
    );
    assert_eq!(warnings.len(), 5);
    // An error elsewhere still points into the text as written.
    let bad = "[ecs]\nmin_stop_timeout_seconds = \"x\"\n";
    let e = match crate::config::parse("cutover.toml", bad) {
        Err(e) => e,
        Ok(_) => panic!("expected an error"),
    };
    assert_eq!(at(bad, &e.span), "\"x\"");
}
