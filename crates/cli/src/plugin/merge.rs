//! Running every enabled plugin beside the built-in rules and merging their findings.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value as Json;

use lint_engine::Finding;

use super::process::{check_one, request};
use super::protocol::{Answered, PluginError, RulePlugin};

/// What the plugins answered: their findings, their failures, and the places where successful
/// plugins answered for built-in rules (the built-in findings there are to be dropped).
pub struct PluginRun {
    pub findings: Vec<Finding>,
    pub errors: Vec<PluginError>,
    pub answered: Answered,
}

/// Build the request from the model and run every plugin's `check` in parallel (each on its own
/// thread; the caller runs the built-in rules meanwhile). `builtin` holds the IDs of the selected
/// built-in rules (a plugin supersedes only selected ones).
pub fn check_all(
    model: &lint_engine::Model<'_>,
    plugins: &[RulePlugin],
    enabled: &HashSet<&str>,
    builtin: &HashSet<&str>,
    options: &HashMap<String, Json>,
    timeout: Duration,
    verbose: bool,
) -> PluginRun {
    let active: Vec<&RulePlugin> = plugins
        .iter()
        .filter(|p| {
            p.rules.iter().any(|m| enabled.contains(m.id))
                || p.supersedes
                    .iter()
                    .chain(&p.extends)
                    .any(|m| builtin.contains(m.id))
        })
        .collect();
    let mut run = PluginRun {
        findings: Vec::new(),
        errors: Vec::new(),
        answered: Answered::new(),
    };
    if active.is_empty() {
        return run;
    }
    let (files, model_json) = crate::model_json::files_and_model(model);
    let body = format!("\"files\":{},\"model\":{}", files, model_json);
    let empty = Json::Object(Default::default());
    let results: Vec<Result<(Vec<Finding>, Answered), PluginError>> = std::thread::scope(|s| {
        let handles: Vec<_> = active
            .iter()
            .map(|p| {
                let input = Arc::new(request(
                    p,
                    enabled,
                    builtin,
                    options.get(&p.name).unwrap_or(&empty),
                    &body,
                ));
                let db = model.db;
                s.spawn(move || check_one(p, input, db, enabled, builtin, timeout, verbose))
            })
            .collect();
        handles
            .into_iter()
            .zip(&active)
            .map(|(h, p)| {
                h.join().unwrap_or_else(|_| {
                    Err(PluginError::new(&p.name, "internal error: host panicked"))
                })
            })
            .collect()
    });
    for r in results {
        match r {
            Ok((f, answered)) => {
                run.findings.extend(f);
                run.answered.extend(answered);
            }
            Err(e) => run.errors.push(e),
        }
    }
    run
}

/// Parse a timeout in seconds (`--plugin-timeout`, `plugin-timeout`).
pub fn timeout_from_secs(s: f64) -> Result<Duration, String> {
    if s.is_finite() && s > 0.0 && s <= 86_400.0 {
        Ok(Duration::from_secs_f64(s))
    } else {
        Err(format!(
            "invalid plugin timeout `{s}`: give a number of seconds above 0 and at most 86400"
        ))
    }
}

/// Run the built-in rules and the enabled rule plugins in parallel over one model; the findings
/// of both are merged into the stable output order.
#[allow(clippy::too_many_arguments)]
pub fn run_all<'m, 'a: 'm>(
    model: &'m lint_engine::Model<'a>,
    shared: &'m lint_engine::shared::Shared<'m, 'a>,
    rules: &[&dyn lint_engine::Rule],
    config: &'m lint_engine::Config,
    plugins: &[RulePlugin],
    enabled: &HashSet<&str>,
    options: &HashMap<String, Json>,
    timeout: Duration,
    verbose: bool,
) -> (Vec<Finding>, Vec<PluginError>) {
    let builtin_ids: HashSet<&str> = rules.iter().map(|r| r.meta().id).collect();
    let (mut findings, run) = std::thread::scope(|s| {
        let h = s.spawn(|| {
            check_all(
                model,
                plugins,
                enabled,
                &builtin_ids,
                options,
                timeout,
                verbose,
            )
        });
        let builtin = lint_engine::runner::run_rules_shared(model, rules, config, shared);
        let from_plugins = h.join().unwrap_or_else(|_| PluginRun {
            findings: Vec::new(),
            errors: plugins
                .iter()
                .map(|p| PluginError::new(&p.name, "internal error: host panicked"))
                .collect(),
            answered: Answered::new(),
        });
        (builtin, from_plugins)
    });
    let PluginRun {
        findings: plugin_findings,
        errors,
        answered,
    } = run;
    if !answered.is_empty() {
        // A built-in finding goes where a plugin answered for its rule at its primary location;
        // the plugin's findings are added below.
        findings.retain(|f| {
            !answered.iter().any(|(id, file, span)| {
                *id == f.rule_id && *file == f.primary.file && *span == f.primary.span
            })
        });
    }
    if !plugin_findings.is_empty() {
        findings.extend(plugin_findings);
        lint_engine::runner::sort_findings(&mut findings, model.db);
        findings.dedup();
    }
    (findings, errors)
}
