//! Name normalisation for pairing by name.

/// Environment suffixes stripped from names (`payments-prod` → `payments`).
const ENV_SUFFIXES: &[&str] = &[
    "prod",
    "production",
    "prd",
    "staging",
    "stage",
    "stg",
    "dev",
    "development",
    "test",
    "qa",
    "uat",
    "preprod",
    "sandbox",
    "live",
];

fn strip_env(s: &str) -> &str {
    for e in ENV_SUFFIXES {
        if let Some(rest) = s.strip_suffix(e).and_then(|r| r.strip_suffix('-')) {
            if !rest.is_empty() {
                return rest;
            }
        }
    }
    s
}

fn strip_kind(s: &str) -> &str {
    for k in ["-service", "-svc"] {
        if let Some(rest) = s.strip_suffix(k) {
            if !rest.is_empty() {
                return rest;
            }
        }
    }
    s
}

/// The name compared when pairing by name: lower case, `_` and `.` as `-`, without a leading
/// `ecs-`, a trailing `-service` or `-svc` and an environment suffix (in either order). `None`
/// when nothing is left.
pub fn normalise_name(name: &str) -> Option<String> {
    let lower: String = name
        .trim()
        .chars()
        .map(|c| match c {
            '_' | '.' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    let mut s = lower.as_str();
    if let Some(rest) = s.strip_prefix("ecs-").filter(|r| !r.is_empty()) {
        s = rest;
    }
    let s = strip_env(strip_kind(strip_env(s)));
    (!s.is_empty()).then(|| s.to_string())
}
