//! What each rule is about, for grouping a service's findings: one concern per rule ID, in one
//! table (a test checks every registered rule has one).

/// Concerns in the order the report shows them.
pub const CONCERNS: &[&str] = &[
    "shutdown",
    "resources",
    "health",
    "availability",
    "identity",
    "secrets",
    "network and IP capacity",
    "registry access",
    "Spot",
    "ingress",
    "logs",
    "platform versions",
    "pairing",
    "inputs",
    "other",
];

/// Rule ID → concern. Rules not listed (plugin rules) are `other`.
const TABLE: &[(&str, &str)] = &[
    ("ECS001", "shutdown"),
    ("ECS002", "Spot"),
    ("ECS003", "shutdown"),
    ("ECS004", "Spot"),
    ("ECS005", "resources"),
    ("ECS006", "secrets"),
    ("IAM001", "identity"),
    ("IAM002", "registry access"),
    ("IAM003", "identity"),
    ("IAM004", "identity"),
    ("IAM005", "secrets"),
    ("IAM006", "logs"),
    ("K8S001", "resources"),
    ("K8S002", "shutdown"),
    ("K8S003", "Spot"),
    ("K8S004", "availability"),
    ("K8S005", "platform versions"),
    ("K8S006", "platform versions"),
    ("K8S007", "health"),
    ("K8S008", "ingress"),
    ("K8S009", "resources"),
    ("LINT000", "inputs"),
    ("LINT001", "inputs"),
    ("LINT002", "inputs"),
    ("NET001", "network and IP capacity"),
    ("NET002", "network and IP capacity"),
    ("NET003", "network and IP capacity"),
    ("NET004", "network and IP capacity"),
    ("NET005", "registry access"),
    ("PAR000", "pairing"),
    ("PAR001", "shutdown"),
    ("PAR002", "resources"),
    ("PAR003", "health"),
    ("PAR004", "secrets"),
    ("PAR005", "identity"),
    ("PAR006", "availability"),
    ("PAR007", "Spot"),
    ("PAR008", "registry access"),
    ("PAR009", "ingress"),
    ("PAR010", "logs"),
];

/// The concern of a rule, when the table has it.
pub fn of_rule(id: &str) -> Option<&'static str> {
    TABLE.iter().find(|(r, _)| *r == id).map(|(_, c)| *c)
}

/// The concern of a rule; `other` for a rule the table does not name (a plugin's).
pub fn concern(id: &str) -> &'static str {
    of_rule(id).unwrap_or("other")
}

/// Position of a concern in [`CONCERNS`] (for sorting).
pub fn rank(concern: &str) -> usize {
    CONCERNS
        .iter()
        .position(|c| *c == concern)
        .unwrap_or(CONCERNS.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_rule_has_a_concern() {
        let missing: Vec<&str> = cutover_rules::all()
            .iter()
            .map(|r| r.meta().id)
            .filter(|id| of_rule(id).is_none())
            .collect();
        assert!(missing.is_empty(), "rules without a concern: {missing:?}");
    }

    #[test]
    fn table_is_sorted_and_names_known_concerns() {
        assert!(TABLE.windows(2).all(|w| w[0].0 < w[1].0));
        for (id, c) in TABLE {
            assert!(CONCERNS.contains(c), "{id}: unknown concern {c}");
        }
        assert_eq!(concern("ACME001"), "other");
        assert_eq!(concern("ECS001"), "shutdown");
    }
}
