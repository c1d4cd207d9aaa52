//! Rule selection by ID, name or ID prefix, and severity overrides.

use std::collections::BTreeMap;

use lint_engine::{Rule, Severity};

fn matches(rule: &dyn Rule, pat: &str) -> bool {
    let m = rule.meta();
    let p = pat.trim();
    p.eq_ignore_ascii_case("ALL")
        || m.id.eq_ignore_ascii_case(p)
        || m.name == p
        || (!p.is_empty()
            && m.id
                .to_ascii_uppercase()
                .starts_with(&p.to_ascii_uppercase()))
}

/// True when a selector (ID, name, ID prefix or `ALL`) names at least one rule.
pub fn known(pat: &str) -> bool {
    cutover_rules::all().iter().any(|r| matches(*r, pat))
}

/// A rule by exact ID or name.
pub fn find_rule(key: &str) -> Option<&'static dyn Rule> {
    cutover_rules::all()
        .iter()
        .copied()
        .find(|r| r.meta().id.eq_ignore_ascii_case(key) || r.meta().name == key)
}

pub fn select(select: &[String], ignore: &[String]) -> Result<Vec<&'static dyn Rule>, String> {
    for p in select.iter().chain(ignore) {
        if !known(p) {
            return Err(format!("unknown rule selector `{p}` (see `cutover rules`)"));
        }
    }
    Ok(cutover_rules::all()
        .iter()
        .copied()
        .filter(|r| select.is_empty() || select.iter().any(|p| matches(*r, p)))
        .filter(|r| !ignore.iter().any(|p| matches(*r, p)))
        .collect())
}

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
