//! Two views of the configuration schema, so that neither can fall behind the options:
//!
//! * [`init_template`]: what `cutover init` writes — every section, every option commented out
//!   with its default and its description, and examples for the tables of free-form keys. It
//!   changes nothing until edited; dates in it are computed from the day it is written.
//! * [`reference`]: `docs/configuration.md`, the configuration reference (`cargo xtask schema`
//!   writes it; a test fails when it is stale).

use std::fmt::Write as _;

use serde_json::Value as Json;

/// Examples for tables whose keys are free-form (they have no defaults to show), by path.
fn map_example(path: &str) -> Option<&'static str> {
    Some(match path {
        "rules.severity" => "ECS001 = \"error\"",
        "accounts.paths" => "\"shared-services/**\" = \"111122223333\"",
        "accounts.workspaces" => "prod = \"222233334444\"",
        "criticality.critical.ecs-tags" | "criticality.non-critical.ecs-tags" => {
            "tier = [\"critical\"]"
        }
        "criticality.critical.k8s-labels" | "criticality.non-critical.k8s-labels" => {
            "\"app.kubernetes.io/part-of\" = [\"payments\"]"
        }
        "criticality.production.tags" => "environment = [\"prod\", \"production\"]",
        "criticality.production.env-vars" => "APP_ENV = [\"production\", \"prod\"]",
        "plugin" => "[plugin.imagepolicy]\nallow = [\"ghcr.io/acme\"]",
        _ => return None,
    })
}

/// Example values for options without a default, by path.
fn scalar_example(path: &str) -> Option<&'static str> {
    Some(match path {
        "accounts.workload-account-id" => "\"222233334444\"",
        "accounts.workspace" => "\"prod\"",
        "k8s.target-version" => "\"1.31\"",
        "parity.pairs" => "[{ ecs = \"payments\", k8s = \"Deployment/shop/payments\" }]",
        _ => return None,
    })
}

/// Top-level keys in the order a reader meets them: run behaviour, then rule options, then
/// context, then bounds and plugins; `[[ignore]]` last.
const ORDER: &[&str] = &[
    "fail-on",
    "fail-on-empty",
    "exclude",
    "plugins",
    "plugin-timeout",
    "rules",
    "ecs",
    "k8s",
    "net",
    "iam",
    "criticality",
    "parity",
    "accounts",
    "limits",
    "render",
    "plugin",
    "ignore",
];

fn resolve<'s>(root: &'s Json, mut node: &'s Json) -> &'s Json {
    for _ in 0..16 {
        let Some(ptr) = node
            .get("$ref")
            .and_then(Json::as_str)
            .and_then(|r| r.strip_prefix('#'))
        else {
            break;
        };
        match root.pointer(ptr) {
            Some(n) => node = n,
            None => break,
        }
    }
    node
}

/// The description of a property: its own, else its type's; for a table, the longer of the
/// two (a type documents its section at length, the field in a word).
fn description(root: &Json, prop: &Json) -> String {
    let own = prop.get("description").and_then(Json::as_str);
    let of_type = resolve(root, prop)
        .get("description")
        .and_then(Json::as_str);
    let pick = match (own, of_type) {
        (Some(a), Some(b)) if is_table(root, prop) && b.len() > a.len() => b,
        (Some(a), _) => a,
        (None, b) => b.unwrap_or_default(),
    };
    pick.to_string()
}

fn is_table(root: &Json, prop: &Json) -> bool {
    resolve(root, prop).get("properties").is_some()
}

fn is_map(root: &Json, prop: &Json) -> bool {
    let p = resolve(root, prop);
    p.get("properties").is_none() && p.get("additionalProperties").is_some_and(Json::is_object)
}

/// Properties of a table in schema order (alphabetical), keys of the top level in [`ORDER`].
fn properties<'s>(root: &'s Json, table: &'s Json, top: bool) -> Vec<(&'s str, &'s Json)> {
    let Some(props) = resolve(root, table)
        .get("properties")
        .and_then(Json::as_object)
    else {
        return Vec::new();
    };
    let mut out: Vec<(&str, &Json)> = props.iter().map(|(k, v)| (k.as_str(), v)).collect();
    if top {
        let rank = |k: &str| ORDER.iter().position(|o| *o == k).unwrap_or(ORDER.len());
        out.sort_by_key(|(k, _)| (rank(k), k.to_string()));
    }
    out
}

/// A JSON default as TOML (`30`, `"warning"`, `["kube-system"]`, `{ APP_ENV = [...] }`).
fn toml_value(v: &Json) -> Option<String> {
    let value: toml::Value = toml::Value::try_from(v).ok()?;
    Some(match &value {
        toml::Value::Table(t) => {
            let inner: Vec<String> = t.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            format!("{{ {} }}", inner.join(", "))
        }
        other => other.to_string(),
    })
}

/// The default of a scalar or array option, from the schema or the type's enum.
fn default_of(root: &Json, name: &str, prop: &Json) -> Option<String> {
    if let Some(d) = prop.get("default").filter(|d| !d.is_null()) {
        return toml_value(d);
    }
    match name {
        "fail-on" => Some("\"warning\"".into()),
        "plugin-timeout" => Some("30".into()),
        _ => resolve(root, prop)
            .get("enum")
            .and_then(|e| e.get(0))
            .and_then(toml_value),
    }
}

fn comment_lines(out: &mut String, text: &str, prefix: &str) {
    for line in text.lines() {
        if line.is_empty() {
            let _ = writeln!(out, "{}", prefix.trim_end());
        } else {
            let _ = writeln!(out, "{prefix}{line}");
        }
    }
}

/// The starter `cutover.toml`, with `[[ignore]]`'s example expiry 90 days after `today`.
pub fn init_template(today: lint_engine::suppress::Date) -> String {
    let schema = crate::schema::generate();
    let mut out = String::from(
        "# cutover.toml: configuration of `cutover check`, found by walking up from the first path\n\
         # given (or named with --config). Command-line options take precedence. Every option is\n\
         # shown commented out with its default: uncomment what you change. `cutover rules` lists\n\
         # the rules, `cutover explain ECS001` shows one; docs/configuration.md describes it all.\n",
    );
    table_body(&schema, &schema, "", true, &mut out, today);
    out
}

fn table_body(
    root: &Json,
    table: &Json,
    path: &str,
    top: bool,
    out: &mut String,
    today: lint_engine::suppress::Date,
) {
    let props = properties(root, table, top);
    // Options of this table first (TOML needs them before any sub-table header).
    for (name, prop) in &props {
        if is_table(root, prop) || is_map(root, prop) || (top && *name == "ignore") {
            continue;
        }
        out.push('\n');
        comment_lines(out, &description(root, prop), "# ");
        let full = if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        };
        let value = default_of(root, name, prop)
            .or_else(|| scalar_example(&full).map(str::to_string))
            .unwrap_or_else(|| "\"\"".into());
        let _ = writeln!(out, "# {name} = {value}");
    }
    for (name, prop) in &props {
        let sub = if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        };
        if *name == "ignore" && top {
            let expires = lint_engine::suppress::Date::from_days(days(today) + 90);
            out.push('\n');
            comment_lines(out, &description(root, prop), "# ");
            let _ = write!(
                out,
                "# [[ignore]]\n# path = \"legacy/**\"\n# rule = \"K8S001\"\n\
                 # reason = \"batch jobs sized by the scheduler\"\n# expires = {expires}\n"
            );
        } else if is_table(root, prop) {
            out.push('\n');
            comment_lines(out, &description(root, prop), "# ");
            let _ = writeln!(out, "[{sub}]");
            table_body(root, prop, &sub, false, out, today);
        } else if is_map(root, prop) {
            out.push('\n');
            comment_lines(out, &description(root, prop), "# ");
            match map_example(&sub) {
                Some(ex) if ex.starts_with('[') => comment_lines(out, ex, "# "),
                Some(ex) => {
                    let _ = writeln!(out, "# [{sub}]");
                    comment_lines(out, ex, "# ");
                }
                None => {
                    let _ = writeln!(out, "# [{sub}]");
                }
            }
        }
    }
}

/// Days since 1970-01-01 of a date (inverse of `Date::from_days`).
fn days(d: lint_engine::suppress::Date) -> i64 {
    let y = i64::from(d.year) - i64::from(d.month <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(d.month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d.day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `docs/configuration.md`: every option with its type, default and description.
pub fn reference() -> String {
    let schema = crate::schema::generate();
    let mut out = String::from(
        "# Configuration reference\n\n\
         <!-- generated from the configuration types by `cargo xtask schema`; do not edit -->\n\n\
         cutover reads `cutover.toml`, found by walking up from the first path given to `cutover \
         check` (or named with `--config`). Command-line options take precedence. Every key is \
         kebab-case; the older snake_case spellings (`min_stop_timeout_seconds`) are still read, \
         with a warning. The file is validated against the JSON Schema in \
         `schemas/cutover-toml.json` (editors can use it too), and errors point at the key. \
         `cutover init` writes a starter file with every option below, commented out.\n",
    );
    reference_table(&schema, &schema, "", true, &mut out);
    out
}

fn type_name(root: &Json, prop: &Json) -> String {
    let p = resolve(root, prop);
    if let Some(e) = p.get("enum").and_then(Json::as_array) {
        let names: Vec<String> = e
            .iter()
            .filter_map(Json::as_str)
            .map(|s| format!("`\"{s}\"`"))
            .collect();
        return format!("one of {}", names.join(", "));
    }
    let t = match p.get("type") {
        Some(Json::String(s)) => s.clone(),
        Some(Json::Array(a)) => a
            .iter()
            .filter_map(Json::as_str)
            .find(|s| *s != "null")
            .unwrap_or("value")
            .to_string(),
        _ => "value".into(),
    };
    match t.as_str() {
        "array" => {
            let item = p.get("items").map(|i| resolve(root, i));
            if item.and_then(|i| i.get("type")).and_then(Json::as_str) == Some("object") {
                "list of tables".into()
            } else {
                "list of strings".into()
            }
        }
        "object" => "table".into(),
        "number" => "number".into(),
        other => other.to_string(),
    }
}

fn reference_table(root: &Json, table: &Json, path: &str, top: bool, out: &mut String) {
    let props = properties(root, table, top);
    let options: Vec<_> = props
        .iter()
        .filter(|(n, p)| !(is_table(root, p) || top && *n == "ignore"))
        .collect();
    if !options.is_empty() {
        out.push_str("\n| Key | Type | Default | Description |\n|---|---|---|---|\n");
        for (name, prop) in options {
            let default = if is_map(root, prop) {
                map_example(&if path.is_empty() {
                    name.to_string()
                } else {
                    format!("{path}.{name}")
                })
                .map(|e| format!("e.g. `{}`", e.replace('\n', " ")))
                .unwrap_or_else(|| "empty".into())
            } else {
                default_of(root, name, prop)
                    .map(|d| format!("`{d}`"))
                    .unwrap_or_else(|| "—".into())
            };
            let _ = writeln!(
                out,
                "| `{name}` | {} | {} | {} |",
                type_name(root, prop),
                default.replace('|', "\\|"),
                description(root, prop)
                    .replace('\n', " ")
                    .replace('|', "\\|")
            );
        }
    }
    for (name, prop) in &props {
        let sub = if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        };
        if top && *name == "ignore" {
            let item = prop.get("items").unwrap_or(&Json::Null);
            let _ = write!(out, "\n## `[[ignore]]`\n\n");
            comment_lines(out, &description(root, prop), "");
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "| Key | Type | Required | Description |\n|---|---|---|---|"
            );
            let required: Vec<&str> = resolve(root, item)
                .get("required")
                .and_then(Json::as_array)
                .map(|r| r.iter().filter_map(Json::as_str).collect())
                .unwrap_or_default();
            for (k, p) in properties(root, item, false) {
                let t = if k == "expires" {
                    "date".to_string()
                } else {
                    type_name(root, p)
                };
                let _ = writeln!(
                    out,
                    "| `{k}` | {t} | {} | {} |",
                    if required.contains(&k) { "yes" } else { "no" },
                    description(root, p).replace('\n', " ")
                );
            }
        } else if is_table(root, prop) {
            let level = if sub.matches('.').count() == 0 {
                "##"
            } else {
                "###"
            };
            let _ = write!(out, "\n{level} `[{sub}]`\n\n");
            comment_lines(out, &description(root, prop), "");
            reference_table(root, prop, &sub, false, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lint_engine::suppress::Date;

    #[test]
    fn days_inverts_from_days() {
        for z in [-1000, 0, 59, 365, 20_000, 20_791, 30_000] {
            assert_eq!(days(Date::from_days(z)), z);
        }
    }

    #[test]
    fn template_names_every_option_and_dates_from_today() {
        let today = Date {
            year: 2026,
            month: 12,
            day: 4,
        };
        let t = init_template(today);
        assert!(t.contains("\n# expires = 2027-03-04\n"), "{t}");
        for section in [
            "[rules]",
            "[ecs]",
            "[k8s]",
            "[net]",
            "[iam]",
            "[criticality]",
            "[criticality.critical]",
            "[criticality.non-critical]",
            "[criticality.production]",
            "[accounts]",
            "[limits]",
        ] {
            assert!(t.contains(&format!("\n{section}\n")), "{section}: {t}");
        }
        for commented in [
            "# fail-on = \"warning\"",
            "# plugins = []",
            "# min-stop-timeout-seconds = 30",
            "# production-serving-is-critical = true",
            "# [plugin.imagepolicy]",
            "# [accounts.paths]",
        ] {
            assert!(t.contains(commented), "{commented}: {t}");
        }
    }

    #[test]
    fn reference_is_up_to_date() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/configuration.md");
        let shipped = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            shipped == reference(),
            "docs/configuration.md is stale: run `cargo xtask schema` and commit the result"
        );
    }
}
