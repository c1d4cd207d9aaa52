//! IAM policy documents and a small, conservative evaluator.
//!
//! Documents come from JSON (`{"Version": …, "Statement": […]}`, including the embedded JSON of
//! Terraform strings) or from the `statement` blocks of an `aws_iam_policy_document` data source.
//! Every value keeps its span so that a rule can point at the exact `Action`, `Resource` or
//! `Condition` that matters.
//!
//! ## Evaluation model
//! * `Action`/`NotAction` patterns match case-insensitively with `*` and `?` wildcards (IAM
//!   action names are case-insensitive); `Resource`/`NotResource` patterns match case-sensitively.
//!   A statement without `Resource` (as in resource policies) applies to every resource.
//! * `Principal`/`NotPrincipal` are checked only when the request names a principal (resource
//!   policies). `"*"` and `{"AWS": "*"}` match everyone; `"123456789012"` and
//!   `arn:aws:iam::123456789012:root` match every principal of that account; other ARNs match
//!   exactly (IAM allows no wildcards there). `Service` and `Federated` entries match by name.
//! * An explicit `Deny` wins over any `Allow`.
//! * **Conditions are never evaluated.** A statement with a `Condition` only *may* apply, so an
//!   `Allow` with a condition yields [`Decision::Conditional`], and so does a `Deny` with a
//!   condition that would otherwise block an allowed request. Values holding Terraform
//!   interpolations (`${…}`) make a statement [`Decision::Unknown`] unless another value decides.
//!   Callers report these as "cannot verify" (info) rather than as errors or as passes.

use lint_engine::doc::{is_unresolved_text, Node, Value};
use lint_engine::source::{FileId, Span};

use super::arn::{is_account_id, Arn};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// One string of a policy (an action, a resource, a principal, a condition value) and its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Val {
    pub text: String,
    pub span: Span,
}

impl Val {
    pub fn is_unresolved(&self) -> bool {
        is_unresolved_text(&self.text)
    }
}

/// `Action`/`NotAction` or `Resource`/`NotResource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patterns {
    /// `NotAction` / `NotResource`.
    pub negated: bool,
    pub values: Vec<Val>,
    /// The span of the whole value (string or list).
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    Aws,
    Service,
    Federated,
    CanonicalUser,
}

impl PrincipalKind {
    fn parse(s: &str) -> Option<PrincipalKind> {
        match s {
            "AWS" => Some(PrincipalKind::Aws),
            "Service" => Some(PrincipalKind::Service),
            "Federated" => Some(PrincipalKind::Federated),
            "CanonicalUser" => Some(PrincipalKind::CanonicalUser),
            _ => None,
        }
    }
}

/// `Principal`/`NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principals {
    pub negated: bool,
    /// `"Principal": "*"`.
    pub any: bool,
    pub entries: Vec<(PrincipalKind, Val)>,
    pub span: Span,
}

/// One `Condition` entry: `{"StringEquals": {"aws:PrincipalOrgID": "o-123"}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub operator: String,
    pub key: String,
    pub values: Vec<Val>,
    /// The span of the key and its values (`"aws:PrincipalOrgID": "o-123"`).
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub file: FileId,
    /// The statement object (or `statement` block).
    pub span: Span,
    pub sid: Option<String>,
    pub effect: Effect,
    pub actions: Option<Patterns>,
    pub resources: Option<Patterns>,
    pub principals: Option<Principals>,
    pub conditions: Vec<Condition>,
    /// The `Condition` value (or the first `condition` block).
    pub condition_span: Option<Span>,
    /// A part of the statement could not be read (e.g. `Effect` is an interpolation).
    pub unresolved: bool,
}

/// A policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub file: FileId,
    /// The document (JSON object or data source body).
    pub span: Span,
    pub statements: Vec<Statement>,
    /// The document could not be read entirely (interpolated statement list, invalid shape).
    pub unresolved: bool,
}

/// A principal making a request, for resource policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalRef {
    /// An IAM principal in an account; `arn` when the exact role/user is known.
    Aws {
        account: String,
        arn: Option<String>,
    },
    Service(String),
    Federated(String),
}

/// What is asked: may `principal` perform `action` on `resource`?
#[derive(Debug, Clone, Copy)]
pub struct Request<'r> {
    pub action: &'r str,
    /// The resource ARN, or `*` for actions that only work on `*` (`ecr:GetAuthorizationToken`).
    pub resource: &'r str,
    pub principal: Option<&'r PrincipalRef>,
}

/// The answer of [`evaluate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// An unconditional `Allow` applies and no `Deny` can apply.
    Allow,
    /// An unconditional `Deny` applies.
    Deny,
    /// No statement applies: denied by default.
    ImplicitDeny,
    /// The outcome depends on a `Condition` (of an `Allow` or a `Deny`).
    Conditional,
    /// The outcome depends on values not known statically (interpolations).
    Unknown,
}

/// The decision and the statement that decided it (for labels).
#[derive(Debug, Clone, Copy)]
pub struct Evaluation<'p> {
    pub decision: Decision,
    pub statement: Option<&'p Statement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tri {
    Yes,
    No,
    Maybe,
}

impl Tri {
    /// A definite hit wins; otherwise an unresolved candidate makes the answer unknown.
    fn of(hit: bool, maybe: bool) -> Tri {
        if hit {
            Tri::Yes
        } else if maybe {
            Tri::Maybe
        } else {
            Tri::No
        }
    }

    /// `NotAction`/`NotResource`/`NotPrincipal`: flip a definite answer, keep an unknown one.
    fn negate_if(self, negated: bool) -> Tri {
        match (negated, self) {
            (false, r) | (true, r @ Tri::Maybe) => r,
            (true, Tri::Yes) => Tri::No,
            (true, Tri::No) => Tri::Yes,
        }
    }
}

/// `*` matches any run of characters, `?` exactly one.
pub fn wildcard_match(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    let p: Vec<char> = if case_insensitive {
        pattern.to_lowercase().chars().collect()
    } else {
        pattern.chars().collect()
    };
    let t: Vec<char> = if case_insensitive {
        text.to_lowercase().chars().collect()
    } else {
        text.chars().collect()
    };
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

fn match_patterns(p: &Patterns, text: &str, ci: bool) -> Tri {
    let mut maybe = false;
    let mut hit = false;
    for v in &p.values {
        if v.is_unresolved() {
            maybe = true;
        } else if wildcard_match(&v.text, text, ci) {
            hit = true;
            break;
        }
    }
    Tri::of(hit, maybe).negate_if(p.negated)
}

fn principal_entry_matches(kind: PrincipalKind, v: &str, who: &PrincipalRef) -> bool {
    match (kind, who) {
        (PrincipalKind::Aws, PrincipalRef::Aws { account, arn }) => {
            if v == "*" || v == account {
                return true;
            }
            match Arn::parse(v) {
                Some(a) if a.is_account_root() => a.account == account,
                Some(_) => arn.as_deref() == Some(v),
                None => false,
            }
        }
        (PrincipalKind::Service, PrincipalRef::Service(s))
        | (PrincipalKind::Federated, PrincipalRef::Federated(s)) => v.eq_ignore_ascii_case(s),
        (PrincipalKind::Aws, _) => v == "*",
        _ => false,
    }
}

fn match_principals(p: &Principals, who: &PrincipalRef) -> Tri {
    let r = if p.any {
        Tri::Yes
    } else {
        let mut maybe = false;
        let mut hit = false;
        for (k, v) in &p.entries {
            if v.is_unresolved() {
                maybe = true;
            } else if principal_entry_matches(*k, &v.text, who) {
                hit = true;
                break;
            }
        }
        Tri::of(hit, maybe)
    };
    r.negate_if(p.negated)
}

impl Statement {
    /// Does this statement apply to the request, ignoring its effect and its conditions?
    fn applies(&self, req: &Request<'_>) -> Tri {
        let mut out = if self.unresolved {
            Tri::Maybe
        } else {
            Tri::Yes
        };
        let mut and = |t: Tri| {
            out = match (out, t) {
                (Tri::No, _) | (_, Tri::No) => Tri::No,
                (Tri::Maybe, _) | (_, Tri::Maybe) => Tri::Maybe,
                _ => Tri::Yes,
            }
        };
        match &self.actions {
            Some(a) => and(match_patterns(a, req.action, true)),
            None => and(Tri::No),
        }
        if let Some(r) = &self.resources {
            and(match_patterns(r, req.resource, false));
        }
        if let (Some(p), Some(who)) = (&self.principals, req.principal) {
            and(match_principals(p, who));
        }
        out
    }

    /// Why an `Allow` statement is a catch-all grant, if it is one: the span to point at (the
    /// action value, or `NotAction`) and what it allows. IAM001 and the live AWS plugin both judge
    /// statements with it.
    pub fn catch_all_grant(&self) -> Option<(Span, String)> {
        if self.effect != Effect::Allow {
            return None;
        }
        if let Some(v) = self.all_actions_value() {
            let what = if self.on_all_resources() {
                format!("allows every action (`{}`) on `*`", v.text)
            } else {
                format!("allows every action (`{}`)", v.text)
            };
            return Some((v.span, what));
        }
        if !self.on_all_resources() {
            return None;
        }
        let acts = self.actions.as_ref()?;
        if acts.negated {
            return Some((
                acts.span,
                "allows every action except a few (`NotAction`) on `*`".into(),
            ));
        }
        if let Some(v) = self.action_value_matching("iam:PassRole") {
            let what = if v.text == "iam:PassRole" {
                "allows `iam:PassRole` on `*`".to_string()
            } else {
                format!("allows `iam:PassRole` (through `{}`) on `*`", v.text)
            };
            return Some((v.span, what));
        }
        acts.values
            .iter()
            .find(|v| {
                v.text
                    .split_once(':')
                    .is_some_and(|(svc, act)| !svc.is_empty() && act == "*")
            })
            .map(|v| (v.span, format!("allows all of `{}` on `*`", v.text)))
    }

    /// `true` when an action pattern (not negated) is exactly `*` or `*:*`.
    pub fn all_actions_value(&self) -> Option<&Val> {
        let a = self.actions.as_ref().filter(|a| !a.negated)?;
        a.values.iter().find(|v| v.text == "*" || v.text == "*:*")
    }

    /// `Resource` is `*` (or absent, or a list holding `*`).
    pub fn on_all_resources(&self) -> bool {
        match &self.resources {
            None => true,
            Some(r) => !r.negated && r.values.iter().any(|v| v.text == "*"),
        }
    }

    /// The first action pattern (not negated) that covers `action`.
    pub fn action_value_matching(&self, action: &str) -> Option<&Val> {
        let a = self.actions.as_ref().filter(|a| !a.negated)?;
        a.values
            .iter()
            .find(|v| !v.is_unresolved() && wildcard_match(&v.text, action, true))
    }

    pub fn is_conditional(&self) -> bool {
        !self.conditions.is_empty() || self.condition_span.is_some()
    }
}

/// Evaluate a request against a set of policies (identity policies of one principal, or one
/// resource policy). See the module documentation for how conditions are treated.
pub fn evaluate<'p>(policies: &[&'p Policy], req: &Request<'_>) -> Evaluation<'p> {
    let mut allow: Option<&Statement> = None;
    let mut cond_allow: Option<&Statement> = None;
    let mut maybe_allow: Option<&Statement> = None;
    let mut cond_deny: Option<&Statement> = None;
    let mut maybe_deny: Option<&Statement> = None;
    let mut unresolved_doc = false;
    for p in policies {
        unresolved_doc |= p.unresolved;
        for s in &p.statements {
            let t = s.applies(req);
            if t == Tri::No {
                continue;
            }
            let cond = s.is_conditional();
            match (s.effect, t, cond) {
                (Effect::Deny, Tri::Yes, false) => {
                    return Evaluation {
                        decision: Decision::Deny,
                        statement: Some(s),
                    }
                }
                (Effect::Deny, Tri::Yes, true) => {
                    cond_deny.get_or_insert(s);
                }
                (Effect::Deny, _, _) => {
                    maybe_deny.get_or_insert(s);
                }
                (Effect::Allow, Tri::Yes, false) => {
                    allow.get_or_insert(s);
                }
                (Effect::Allow, Tri::Yes, true) => {
                    cond_allow.get_or_insert(s);
                }
                (Effect::Allow, _, _) => {
                    maybe_allow.get_or_insert(s);
                }
            }
        }
    }
    let ev = |decision, statement| Evaluation {
        decision,
        statement,
    };
    match (allow, cond_allow, maybe_allow) {
        (Some(a), _, _) => {
            if let Some(d) = cond_deny {
                ev(Decision::Conditional, Some(d))
            } else if let Some(d) = maybe_deny {
                ev(Decision::Unknown, Some(d))
            } else {
                ev(Decision::Allow, Some(a))
            }
        }
        (None, Some(c), _) => ev(Decision::Conditional, Some(c)),
        (None, None, Some(m)) => ev(Decision::Unknown, Some(m)),
        (None, None, None) if unresolved_doc => ev(Decision::Unknown, None),
        (None, None, None) => ev(Decision::ImplicitDeny, None),
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing

fn vals(n: &Node) -> Vec<Val> {
    match &n.value {
        Value::Seq(items) => items.iter().flat_map(vals).collect(),
        _ => n
            .scalar_text()
            .map(|t| {
                vec![Val {
                    text: t.into_owned(),
                    span: n.span,
                }]
            })
            .unwrap_or_default(),
    }
}

fn patterns(n: &Node, negated: bool) -> Patterns {
    Patterns {
        negated,
        values: vals(n),
        span: n.span,
    }
}

fn json_principals(n: &Node, negated: bool) -> Principals {
    let mut p = Principals {
        negated,
        any: false,
        entries: Vec::new(),
        span: n.span,
    };
    match &n.value {
        Value::Str(s) if s == "*" => p.any = true,
        Value::Map(members) => {
            for m in members {
                if let Some(kind) = PrincipalKind::parse(&m.key) {
                    for v in vals(&m.value) {
                        if kind == PrincipalKind::Aws && v.text == "*" {
                            p.any = true;
                        }
                        p.entries.push((kind, v));
                    }
                }
            }
        }
        _ => {}
    }
    p
}

fn json_conditions(n: &Node) -> Vec<Condition> {
    let mut out = Vec::new();
    for op in n.as_map().unwrap_or(&[]) {
        for k in op.value.as_map().unwrap_or(&[]) {
            out.push(Condition {
                operator: op.key.clone(),
                key: k.key.clone(),
                values: vals(&k.value),
                span: k.span(),
            });
        }
    }
    out
}

fn json_statement(file: FileId, s: &Node) -> Option<Statement> {
    s.as_map()?;
    let effect_node = s.get("Effect");
    let (effect, mut unresolved) = match effect_node.and_then(Node::as_str) {
        Some("Allow") => (Effect::Allow, false),
        Some("Deny") => (Effect::Deny, false),
        // A missing or unreadable effect: the statement is not trusted either way.
        _ => (Effect::Allow, true),
    };
    let actions = s
        .get("Action")
        .map(|n| patterns(n, false))
        .or_else(|| s.get("NotAction").map(|n| patterns(n, true)));
    let resources = s
        .get("Resource")
        .map(|n| patterns(n, false))
        .or_else(|| s.get("NotResource").map(|n| patterns(n, true)));
    let principals = s
        .get("Principal")
        .map(|n| json_principals(n, false))
        .or_else(|| s.get("NotPrincipal").map(|n| json_principals(n, true)));
    let cond = s.get("Condition");
    if let Some(c) = cond {
        if c.is_unresolved() {
            unresolved = true;
        }
    }
    Some(Statement {
        file,
        span: s.span,
        sid: s.get("Sid").and_then(Node::as_str).map(str::to_string),
        effect,
        actions,
        resources,
        principals,
        conditions: cond.map(json_conditions).unwrap_or_default(),
        condition_span: cond.map(|c| c.span),
        unresolved,
    })
}

impl Policy {
    /// A JSON policy document (`{"Statement": …}`).
    pub fn from_json(file: FileId, doc: &Node) -> Policy {
        let mut p = Policy {
            file,
            span: doc.span,
            statements: Vec::new(),
            unresolved: false,
        };
        match doc.get("Statement") {
            Some(st) => match &st.value {
                Value::Seq(items) => {
                    for s in items {
                        match json_statement(file, s) {
                            Some(s) => p.statements.push(s),
                            None => p.unresolved = true,
                        }
                    }
                }
                Value::Map(_) => p.statements.extend(json_statement(file, st)),
                _ => p.unresolved = true,
            },
            None => p.unresolved = true,
        }
        p
    }

    /// The `statement` blocks of an `aws_iam_policy_document` data source body (`.tf.json`
    /// configuration or plan values).
    pub fn from_tf_document(file: FileId, body: &Node) -> Policy {
        let mut p = Policy {
            file,
            span: body.span,
            statements: Vec::new(),
            unresolved: false,
        };
        let Some(st) = body.get("statement") else {
            return p;
        };
        if st.is_unresolved() {
            p.unresolved = true;
        }
        for b in st.blocks() {
            let (effect, mut unresolved) = match b.get("effect").and_then(Node::as_str) {
                None | Some("Allow") => (Effect::Allow, false),
                Some("Deny") => (Effect::Deny, false),
                Some(_) => (Effect::Allow, true),
            };
            let actions = b
                .get("actions")
                .filter(|n| !n.is_null())
                .map(|n| patterns(n, false))
                .or_else(|| {
                    b.get("not_actions")
                        .filter(|n| !n.is_null())
                        .map(|n| patterns(n, true))
                });
            let resources = b
                .get("resources")
                .filter(|n| !n.is_null() && n.as_seq().is_none_or(|s| !s.is_empty()))
                .map(|n| patterns(n, false))
                .or_else(|| {
                    b.get("not_resources")
                        .filter(|n| !n.is_null() && n.as_seq().is_none_or(|s| !s.is_empty()))
                        .map(|n| patterns(n, true))
                });
            let principals = tf_principals(b, "principals", false)
                .or_else(|| tf_principals(b, "not_principals", true));
            let mut conditions = Vec::new();
            let mut condition_span = None;
            if let Some(c) = b.get("condition").filter(|c| !c.is_null()) {
                if c.is_unresolved() {
                    unresolved = true;
                }
                for cb in c.blocks() {
                    condition_span.get_or_insert(cb.span);
                    conditions.push(Condition {
                        operator: text(cb.get("test")),
                        key: text(cb.get("variable")),
                        values: cb.get("values").map(vals).unwrap_or_default(),
                        span: cb.span,
                    });
                }
            }
            p.statements.push(Statement {
                file,
                span: b.span,
                sid: b
                    .get("sid")
                    .and_then(Node::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
                effect,
                actions,
                resources,
                principals,
                conditions,
                condition_span,
                unresolved,
            });
        }
        p
    }
}

fn text(n: Option<&Node>) -> String {
    n.and_then(|n| n.scalar_text())
        .map(|t| t.into_owned())
        .unwrap_or_default()
}

fn tf_principals(b: &Node, key: &str, negated: bool) -> Option<Principals> {
    let n = b.get(key).filter(|n| !n.is_null())?;
    let mut p = Principals {
        negated,
        any: false,
        entries: Vec::new(),
        span: n.span,
    };
    let mut any_block = false;
    for pb in n.blocks() {
        any_block = true;
        let ty = pb.get("type").and_then(Node::as_str).unwrap_or_default();
        let ids = pb.get("identifiers").map(vals).unwrap_or_default();
        if ty == "*" {
            p.any = true;
            continue;
        }
        let Some(kind) = PrincipalKind::parse(ty) else {
            continue;
        };
        for v in ids {
            if kind == PrincipalKind::Aws && v.text == "*" {
                p.any = true;
            }
            p.entries.push((kind, v));
        }
    }
    any_block.then_some(p)
}

/// The account a principal string names: `"123456789012"` or an ARN in that account.
pub fn principal_account(v: &str) -> Option<String> {
    if is_account_id(v) {
        return Some(v.to_string());
    }
    Arn::parse(v)
        .and_then(|a| a.account_id())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lint_engine::load::json;

    fn pol(src: &str) -> Policy {
        let n = json::parse(src, 64).unwrap();
        Policy::from_json(FileId(0), &n)
    }

    fn req<'r>(action: &'r str, resource: &'r str) -> Request<'r> {
        Request {
            action,
            resource,
            principal: None,
        }
    }

    fn decide(p: &Policy, r: Request<'_>) -> Decision {
        evaluate(&[p], &r).decision
    }

    #[test]
    fn catch_all_grants() {
        // Each grant as (the text its span covers, what it allows).
        let grant = |src: &str| -> Vec<(String, String)> {
            let text = format!(r#"{{"Statement":[{src}]}}"#);
            pol(&text)
                .statements
                .iter()
                .filter_map(|s| s.catch_all_grant())
                .map(|(sp, what)| (text[sp.start as usize..sp.end as usize].to_string(), what))
                .collect()
        };
        let one = |span: &str, what: &str| vec![(span.to_string(), what.to_string())];
        assert_eq!(
            grant(r#"{"Effect":"Allow","Action":"*:*","Resource":"*"}"#),
            one(r#""*:*""#, "allows every action (`*:*`) on `*`")
        );
        assert_eq!(
            grant(
                r#"{"Effect":"Allow","Action":["s3:GetObject","*"],"Resource":"arn:aws:s3:::b/*"}"#
            ),
            one(r#""*""#, "allows every action (`*`)")
        );
        assert_eq!(
            grant(r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#),
            one(
                r#""iam:*""#,
                "allows every action except a few (`NotAction`) on `*`"
            )
        );
        assert_eq!(
            grant(r#"{"Effect":"Allow","Action":"iam:Pass*"}"#),
            one(
                r#""iam:Pass*""#,
                "allows `iam:PassRole` (through `iam:Pass*`) on `*`"
            )
        );
        assert_eq!(
            grant(
                r#"{"Effect":"Allow","Action":["ecr:GetAuthorizationToken","s3:*"],"Resource":["*"]}"#
            ),
            one(r#""s3:*""#, "allows all of `s3:*` on `*`")
        );
        assert!(grant(r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#).is_empty());
        assert!(
            grant(r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#).is_empty()
        );
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("ecr:*", "ecr:BatchGetImage", false));
        assert!(wildcard_match("ECR:batch*", "ecr:BatchGetImage", true));
        assert!(!wildcard_match("ECR:batch*", "ecr:BatchGetImage", false));
        assert!(wildcard_match(
            "ecr:Get*Url*",
            "ecr:GetDownloadUrlForLayer",
            true
        ));
        assert!(wildcard_match(
            "ecr:?atchGetImage",
            "ecr:BatchGetImage",
            true
        ));
        assert!(!wildcard_match("ecr:?GetImage", "ecr:BatchGetImage", true));
        assert!(wildcard_match("*", "", false));
        assert!(wildcard_match(
            "arn:aws:ecr:*:111122223333:repository/*",
            "arn:aws:ecr:eu-west-1:111122223333:repository/team/app",
            false
        ));
        assert!(!wildcard_match(
            "arn:aws:ecr:*:111122223333:repository/other",
            "arn:aws:ecr:eu-west-1:111122223333:repository/team/app",
            false
        ));
        assert!(wildcard_match("a*b*c", "aXbYbZc", false));
        assert!(!wildcard_match("a*b*c", "aXbYbZ", false));
    }

    #[test]
    fn allow_and_implicit_deny() {
        let p = pol(r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],
             "Resource":"arn:aws:ecr:eu-west-1:111122223333:repository/*"},
            {"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}]}"#);
        let repo = "arn:aws:ecr:eu-west-1:111122223333:repository/app";
        assert_eq!(decide(&p, req("ecr:BatchGetImage", repo)), Decision::Allow);
        assert_eq!(decide(&p, req("ECR:batchgetimage", repo)), Decision::Allow);
        assert_eq!(
            decide(&p, req("ecr:GetAuthorizationToken", "*")),
            Decision::Allow
        );
        assert_eq!(
            decide(
                &p,
                req(
                    "ecr:BatchGetImage",
                    "arn:aws:ecr:eu-west-1:999999999999:repository/app"
                )
            ),
            Decision::ImplicitDeny
        );
        assert_eq!(
            decide(&p, req("ecr:PutImage", repo)),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn explicit_deny_wins() {
        let p = pol(r#"{"Statement":[
            {"Effect":"Allow","Action":"ecr:*","Resource":"*"},
            {"Effect":"Deny","Action":"ecr:BatchGetImage","Resource":"*"}]}"#);
        let e = evaluate(&[&p], &req("ecr:BatchGetImage", "arn:x"));
        assert_eq!(e.decision, Decision::Deny);
        assert_eq!(e.statement.unwrap().effect, Effect::Deny);
        assert_eq!(
            decide(&p, req("ecr:GetDownloadUrlForLayer", "x")),
            Decision::Allow
        );
        // Deny across policies too.
        let allow = pol(r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#);
        let deny = pol(r#"{"Statement":{"Effect":"Deny","NotAction":"s3:*","Resource":"*"}}"#);
        assert_eq!(
            evaluate(&[&allow, &deny], &req("ecr:BatchGetImage", "x")).decision,
            Decision::Deny
        );
        assert_eq!(
            evaluate(&[&allow, &deny], &req("s3:GetObject", "x")).decision,
            Decision::Allow
        );
    }

    #[test]
    fn not_action_and_not_resource() {
        let p = pol(r#"{"Statement":[
            {"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}]}"#);
        assert_eq!(decide(&p, req("ecr:BatchGetImage", "x")), Decision::Allow);
        assert_eq!(decide(&p, req("iam:PassRole", "x")), Decision::ImplicitDeny);
        let q = pol(r#"{"Statement":[
            {"Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::secret/*"}]}"#);
        assert_eq!(
            decide(&q, req("s3:GetObject", "arn:aws:s3:::public/a")),
            Decision::Allow
        );
        assert_eq!(
            decide(&q, req("s3:GetObject", "arn:aws:s3:::secret/a")),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn conditions_are_conservative() {
        let p = pol(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage",
            "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}]}"#,
        );
        assert_eq!(p.statements[0].conditions[0].key, "aws:PrincipalOrgID");
        let who = PrincipalRef::Aws {
            account: "222233334444".into(),
            arn: None,
        };
        let r = Request {
            action: "ecr:BatchGetImage",
            resource: "arn:repo",
            principal: Some(&who),
        };
        assert_eq!(decide(&p, r), Decision::Conditional);
        let d = pol(
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
            {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#,
        );
        assert_eq!(
            decide(&d, req("ecr:BatchGetImage", "x")),
            Decision::Conditional
        );
    }

    #[test]
    fn principals() {
        let p = pol(r#"{"Statement":[{"Effect":"Allow",
            "Principal":{"AWS":["arn:aws:iam::222233334444:root","555566667777",
                                "arn:aws:iam::888899990000:role/puller"]},
            "Action":["ecr:BatchGetImage"]}]}"#);
        let check = |account: &str, arn: Option<&str>| {
            let who = PrincipalRef::Aws {
                account: account.into(),
                arn: arn.map(str::to_string),
            };
            decide(
                &p,
                Request {
                    action: "ecr:BatchGetImage",
                    resource: "arn:repo",
                    principal: Some(&who),
                },
            )
        };
        assert_eq!(check("222233334444", None), Decision::Allow);
        assert_eq!(
            check("222233334444", Some("arn:aws:iam::222233334444:role/x")),
            Decision::Allow
        );
        assert_eq!(check("555566667777", None), Decision::Allow);
        assert_eq!(check("888899990000", None), Decision::ImplicitDeny);
        assert_eq!(
            check(
                "888899990000",
                Some("arn:aws:iam::888899990000:role/puller")
            ),
            Decision::Allow
        );
        assert_eq!(check("111111111111", None), Decision::ImplicitDeny);
        let svc = pol(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        );
        let who = PrincipalRef::Service("ecs-tasks.amazonaws.com".into());
        let r = Request {
            action: "sts:AssumeRole",
            resource: "*",
            principal: Some(&who),
        };
        assert_eq!(decide(&svc, r), Decision::Allow);
        let other = PrincipalRef::Service("pods.eks.amazonaws.com".into());
        let r = Request {
            action: "sts:AssumeRole",
            resource: "*",
            principal: Some(&other),
        };
        assert_eq!(decide(&svc, r), Decision::ImplicitDeny);
        let star =
            pol(r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"ecr:*"}]}"#);
        let who = PrincipalRef::Aws {
            account: "123412341234".into(),
            arn: None,
        };
        let r = Request {
            action: "ecr:BatchGetImage",
            resource: "x",
            principal: Some(&who),
        };
        assert_eq!(decide(&star, r), Decision::Allow);
        let notp = pol(
            r#"{"Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::222233334444:root"},"Action":"ecr:*"},
            {"Effect":"Allow","Principal":"*","Action":"ecr:*"}]}"#,
        );
        let inside = PrincipalRef::Aws {
            account: "222233334444".into(),
            arn: None,
        };
        let outside = PrincipalRef::Aws {
            account: "999999999999".into(),
            arn: None,
        };
        for (who, want) in [(&inside, Decision::Allow), (&outside, Decision::Deny)] {
            let r = Request {
                action: "ecr:BatchGetImage",
                resource: "x",
                principal: Some(who),
            };
            assert_eq!(decide(&notp, r), want);
        }
    }

    #[test]
    fn unresolved_values_are_unknown() {
        let p = pol(
            r#"{"Statement":[{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"${aws_ecr_repository.app.arn}"}]}"#,
        );
        assert_eq!(
            decide(&p, req("ecr:BatchGetImage", "arn:x")),
            Decision::Unknown
        );
        let q = pol(r#"{"Statement":"${local.statements}"}"#);
        assert!(q.unresolved);
        assert_eq!(
            decide(&q, req("ecr:BatchGetImage", "arn:x")),
            Decision::Unknown
        );
    }

    #[test]
    fn tf_policy_document_blocks() {
        let src = r#"{"statement":[
            {"sid":"Pull","actions":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],
             "principals":{"type":"AWS","identifiers":["arn:aws:iam::222233334444:root"]}},
            {"effect":"Deny","not_actions":["ecr:*"],"resources":["*"],
             "condition":[{"test":"StringNotEquals","variable":"aws:PrincipalOrgID","values":["o-1"]}]}]}"#;
        let n = json::parse(src, 64).unwrap();
        let p = Policy::from_tf_document(FileId(0), &n);
        assert_eq!(p.statements.len(), 2);
        assert_eq!(p.statements[0].sid.as_deref(), Some("Pull"));
        assert_eq!(p.statements[0].effect, Effect::Allow);
        assert!(p.statements[0].resources.is_none());
        assert_eq!(p.statements[1].effect, Effect::Deny);
        assert!(p.statements[1].actions.as_ref().unwrap().negated);
        assert_eq!(p.statements[1].conditions[0].operator, "StringNotEquals");
        let who = PrincipalRef::Aws {
            account: "222233334444".into(),
            arn: None,
        };
        let r = Request {
            action: "ecr:BatchGetImage",
            resource: "arn:repo",
            principal: Some(&who),
        };
        assert_eq!(decide(&p, r), Decision::Allow);
    }

    #[test]
    fn spans_point_at_values() {
        let src = r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        let p = pol(src);
        let v = p.statements[0].all_actions_value().unwrap();
        assert_eq!(&src[v.span.range()], "\"*\"");
        assert!(p.statements[0].on_all_resources());
        assert_eq!(
            principal_account("arn:aws:iam::222233334444:role/x").as_deref(),
            Some("222233334444")
        );
        assert_eq!(
            principal_account("222233334444").as_deref(),
            Some("222233334444")
        );
    }
}
