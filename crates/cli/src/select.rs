//! Rule selection by ID, former ID, name or ID prefix, and severity overrides.

use std::collections::BTreeMap;

use lint_engine::{Rule, Severity};

/// Renamed rules: (former ID, current ID). A former ID names the rule everywhere a user can write
/// one (suppressions, `--select`/`--ignore`, configuration), and fingerprints, hence baselines,
/// keep using the first ID so they survive the rename.
pub const RENAMED: &[(&str, &str)] = &[("LNT001", "LINT002")];

/// The current ID of a rule written by its former ID; anything else unchanged.
pub fn current_id(id: &str) -> &str {
    RENAMED
        .iter()
        .find(|(old, _)| old.eq_ignore_ascii_case(id))
        .map_or(id, |(_, new)| new)
}

/// The first ID a rule had (its current one unless renamed): what fingerprints are built from.
pub fn first_id(id: &str) -> &str {
    RENAMED
        .iter()
        .find(|(_, new)| *new == id)
        .map_or(id, |(old, _)| old)
}

fn matches(rule: &dyn Rule, pat: &str) -> bool {
    matches_meta(rule.meta(), pat)
}

/// True when a selector (ID, name, ID prefix or `ALL`) names at least one rule.
pub fn known(pat: &str) -> bool {
    cutover_rules::all().iter().any(|r| matches(*r, pat))
}

/// The rule ID or name closest to a misspelt one (`ECS01`, `missing-stop-timout`), among the
/// built-in rules and `plugin_rules`, when it is close enough to be a typo.
pub fn suggest(word: &str, plugin_rules: &[&'static lint_engine::RuleMeta]) -> Option<String> {
    let metas = cutover_rules::all()
        .iter()
        .map(|r| r.meta())
        .chain(plugin_rules.iter().copied());
    let upper = word.trim().to_ascii_uppercase();
    let mut candidates: Vec<String> = Vec::new();
    for m in metas {
        candidates.push(m.id.to_string());
        candidates.push(m.name.to_string());
    }
    let lowered: Vec<String> = candidates.iter().map(|c| c.to_ascii_uppercase()).collect();
    let best = crate::plugin::closest(&upper, lowered.iter().map(String::as_str))?;
    let i = lowered.iter().position(|c| c == best)?;
    Some(candidates[i].clone())
}

/// `unknown rule selector `X``, with a did-you-mean when one is close.
fn unknown_selector(p: &str, plugin_rules: &[&'static lint_engine::RuleMeta]) -> String {
    match suggest(p, plugin_rules) {
        Some(s) => {
            format!("unknown rule selector `{p}`; did you mean `{s}`? (see `cutover rules`)")
        }
        None => format!("unknown rule selector `{p}` (see `cutover rules`)"),
    }
}

/// A rule by exact ID, former ID or name.
pub fn find_rule(key: &str) -> Option<&'static dyn Rule> {
    let key = current_id(key);
    cutover_rules::all()
        .iter()
        .copied()
        .find(|r| r.meta().id.eq_ignore_ascii_case(key) || r.meta().name == key)
}

#[allow(dead_code)] // the CLI uses `select_with_plugins`; kept as the plugin-free entry point
pub fn select(select: &[String], ignore: &[String]) -> Result<Vec<&'static dyn Rule>, String> {
    for p in select.iter().chain(ignore) {
        if !known(p) {
            return Err(unknown_selector(p, &[]));
        }
    }
    Ok(cutover_rules::all()
        .iter()
        .copied()
        .filter(|r| select.is_empty() || select.iter().any(|p| matches(*r, p)))
        .filter(|r| !ignore.iter().any(|p| matches(*r, p)))
        .collect())
}

#[allow(dead_code)] // the CLI uses `severity_overrides_with_plugins`
pub fn severity_overrides(
    map: &BTreeMap<String, String>,
) -> Result<BTreeMap<&'static str, Severity>, String> {
    let mut out = BTreeMap::new();
    for (k, v) in map {
        let sev = Severity::parse(v)
            .ok_or_else(|| format!("invalid severity `{v}` for `{k}` (error, warning or info)"))?;
        let Some(rule) = find_rule(k) else {
            return Err(format!("unknown rule `{k}` in [rules.severity]"));
        };
        out.insert(rule.meta().id, sev);
    }
    Ok(out)
}

fn matches_meta(m: &lint_engine::RuleMeta, pat: &str) -> bool {
    let p = current_id(pat.trim());
    p.eq_ignore_ascii_case("ALL")
        || m.id.eq_ignore_ascii_case(p)
        || m.name == p
        || (!p.is_empty()
            && m.id
                .to_ascii_uppercase()
                .starts_with(&p.to_ascii_uppercase()))
}

/// [`select`] over built-in rules and the rules of plugins. Returns the built-in rules to run and
/// the IDs of the enabled plugin rules. With `lenient` (a plugin failed to answer), selectors
/// that match nothing are accepted: they may name the failed plugin's rules.
pub fn select_with_plugins(
    select: &[String],
    ignore: &[String],
    plugin_rules: &[&'static lint_engine::RuleMeta],
    lenient: bool,
) -> Result<(Vec<&'static dyn Rule>, Vec<&'static str>), String> {
    for p in select.iter().chain(ignore) {
        if !lenient && !known(p) && !plugin_rules.iter().any(|m| matches_meta(m, p)) {
            return Err(unknown_selector(p, plugin_rules));
        }
    }
    let builtin = cutover_rules::all()
        .iter()
        .copied()
        .filter(|r| select.is_empty() || select.iter().any(|p| matches(*r, p)))
        .filter(|r| !ignore.iter().any(|p| matches(*r, p)))
        .collect();
    let plugin = plugin_rules
        .iter()
        .filter(|m| select.is_empty() || select.iter().any(|p| matches_meta(m, p)))
        .filter(|m| !ignore.iter().any(|p| matches_meta(m, p)))
        .map(|m| m.id)
        .collect();
    Ok((builtin, plugin))
}

/// [`severity_overrides`] that also accepts plugin rule IDs and names.
pub fn severity_overrides_with_plugins(
    map: &BTreeMap<String, String>,
    plugin_rules: &[&'static lint_engine::RuleMeta],
    lenient: bool,
) -> Result<BTreeMap<&'static str, Severity>, String> {
    let mut out = BTreeMap::new();
    for (k, v) in map {
        let sev = Severity::parse(v)
            .ok_or_else(|| format!("invalid severity `{v}` for `{k}` (error, warning or info)"))?;
        let id = find_rule(k).map(|r| r.meta().id).or_else(|| {
            plugin_rules
                .iter()
                .find(|m| m.id.eq_ignore_ascii_case(k) || m.name == k)
                .map(|m| m.id)
        });
        match id {
            Some(id) => {
                out.insert(id, sev);
            }
            None if lenient => {}
            None => {
                return Err(match suggest(k, plugin_rules) {
                    Some(s) => {
                        format!("unknown rule `{k}` in [rules.severity]; did you mean `{s}`?")
                    }
                    None => format!("unknown rule `{k}` in [rules.severity]"),
                })
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn former_ids_name_the_renamed_rule() {
        assert_eq!(current_id("LNT001"), "LINT002");
        assert_eq!(current_id("lnt001"), "LINT002");
        assert_eq!(current_id("ECS001"), "ECS001");
        assert_eq!(first_id("LINT002"), "LNT001");
        assert_eq!(first_id("ECS001"), "ECS001");
        assert_eq!(find_rule("LNT001").map(|r| r.meta().id), Some("LINT002"));
        assert!(known("LNT001"));
        let ids = |r: Vec<&'static dyn Rule>| r.iter().map(|r| r.meta().id).collect::<Vec<_>>();
        assert_eq!(
            ids(select(&["LNT001".into()], &[]).unwrap_or_default()),
            ["LINT002"]
        );
        assert!(!ids(select(&[], &["LNT001".into()]).unwrap_or_default()).contains(&"LINT002"));
    }

    #[test]
    fn misspelt_rules_get_a_suggestion() {
        assert_eq!(suggest("ECS01", &[]).as_deref(), Some("ECS001"));
        assert_eq!(suggest("ecs0001", &[]).as_deref(), Some("ECS001"));
        assert_eq!(
            suggest("missing-stop-timout", &[]).as_deref(),
            Some("missing-stop-timeout")
        );
        assert_eq!(suggest("completely-unrelated", &[]), None);
        assert_eq!(
            select(&["missing-stop-timout".into()], &[])
                .err()
                .as_deref(),
            Some(
                "unknown rule selector `missing-stop-timout`; did you mean \
                 `missing-stop-timeout`? (see `cutover rules`)"
            )
        );
    }
}
