//! Kubernetes label selectors: the plain map of a Service (`spec.selector`) and the
//! `LabelSelector` of PDBs and workloads (`matchLabels` plus `matchExpressions` with `In`,
//! `NotIn`, `Exists` and `DoesNotExist`).

use lint_engine::doc::Node;

/// One `matchExpressions` requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

/// A parsed selector. `None` from the parsers means the selector could not be read (an unknown
/// operator, a non-scalar value): callers treat it as matching nothing rather than guessing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    pub labels: Vec<(String, String)>,
    pub requirements: Vec<Requirement>,
}

/// The string pairs of a label map (non-string values are skipped).
pub fn label_pairs(n: Option<&Node>) -> Vec<(&str, &str)> {
    n.and_then(Node::as_map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|m| m.value.as_str().map(|v| (m.key.as_str(), v)))
        .collect()
}

fn string_map(n: &Node) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for m in n.as_map()? {
        out.push((m.key.to_string(), m.value.scalar_text()?.into_owned()));
    }
    Some(out)
}

impl Selector {
    /// A Service-style selector: a plain `key: value` map.
    pub fn from_map(n: &Node) -> Option<Selector> {
        Some(Selector {
            labels: string_map(n)?,
            requirements: Vec::new(),
        })
    }

    /// A `LabelSelector` (`matchLabels`, `matchExpressions`).
    pub fn from_label_selector(n: &Node) -> Option<Selector> {
        n.as_map()?;
        let labels = match n.get("matchLabels") {
            Some(m) if !m.is_null() => string_map(m)?,
            _ => Vec::new(),
        };
        let mut requirements = Vec::new();
        for e in n
            .get("matchExpressions")
            .filter(|e| !e.is_null())
            .map(|e| e.as_seq())
            .unwrap_or(Some(&[]))?
        {
            let key = e.get("key")?.as_str()?.to_string();
            let values = match e.get("values") {
                Some(v) if !v.is_null() => v
                    .as_seq()?
                    .iter()
                    .map(|x| x.scalar_text().map(|s| s.into_owned()))
                    .collect::<Option<Vec<_>>>()?,
                _ => Vec::new(),
            };
            requirements.push(match e.get("operator")?.as_str()? {
                "In" => Requirement::In(key, values),
                "NotIn" => Requirement::NotIn(key, values),
                "Exists" => Requirement::Exists(key),
                "DoesNotExist" => Requirement::DoesNotExist(key),
                _ => return None,
            });
        }
        Some(Selector {
            labels,
            requirements,
        })
    }

    /// No label and no requirement: a `LabelSelector` that selects every pod of the namespace
    /// (PDB `policy/v1`), or a Service without a selector (selects nothing).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.requirements.is_empty()
    }

    /// Whether `labels` satisfy every pair and requirement (an empty selector matches all).
    pub fn matches(&self, labels: &[(&str, &str)]) -> bool {
        let get = |k: &str| labels.iter().find(|(lk, _)| *lk == k).map(|(_, v)| *v);
        self.labels.iter().all(|(k, v)| get(k) == Some(v.as_str()))
            && self.requirements.iter().all(|r| match r {
                Requirement::In(k, vs) => get(k).is_some_and(|v| vs.iter().any(|x| x == v)),
                Requirement::NotIn(k, vs) => get(k).is_none_or(|v| vs.iter().all(|x| x != v)),
                Requirement::Exists(k) => get(k).is_some(),
                Requirement::DoesNotExist(k) => get(k).is_none(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lint_engine::load::json;

    fn node(src: &str) -> Node {
        json::parse(src, 64).unwrap()
    }

    #[test]
    fn match_labels_and_expressions() {
        let n = node(
            r#"{"matchLabels": {"app": "web"}, "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["front", "edge"]},
                {"key": "canary", "operator": "DoesNotExist"},
                {"key": "zone", "operator": "NotIn", "values": ["a"]},
                {"key": "team", "operator": "Exists"}]}"#,
        );
        let s = Selector::from_label_selector(&n).unwrap();
        assert!(s.matches(&[("app", "web"), ("tier", "edge"), ("team", "x")]));
        assert!(s.matches(&[
            ("app", "web"),
            ("tier", "front"),
            ("team", "x"),
            ("zone", "b")
        ]));
        assert!(!s.matches(&[("app", "web"), ("tier", "back"), ("team", "x")]));
        assert!(!s.matches(&[
            ("app", "web"),
            ("tier", "edge"),
            ("team", "x"),
            ("canary", "1")
        ]));
        assert!(!s.matches(&[
            ("app", "web"),
            ("tier", "edge"),
            ("team", "x"),
            ("zone", "a")
        ]));
        assert!(!s.matches(&[("app", "web"), ("tier", "edge")]));
        assert!(!s.matches(&[("app", "api"), ("tier", "edge"), ("team", "x")]));
    }

    #[test]
    fn unknown_operator_is_unreadable_and_empty_matches_all() {
        let bad =
            node(r#"{"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]}"#);
        assert_eq!(Selector::from_label_selector(&bad), None);
        let empty = Selector::from_label_selector(&node("{}")).unwrap();
        assert!(empty.is_empty());
        assert!(empty.matches(&[("any", "thing")]));
        let svc = Selector::from_map(&node(r#"{"app": "web", "port": 80}"#)).unwrap();
        assert!(svc.matches(&[("app", "web"), ("port", "80"), ("x", "y")]));
        assert!(!svc.matches(&[("app", "web")]));
    }
}
