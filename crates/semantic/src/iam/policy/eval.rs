//! The evaluator: which statements apply to a request, and the decision they make.

use lint_engine::source::Span;

use super::*;
use crate::iam::arn::Arn;

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
    if pattern.is_ascii() && text.is_ascii() {
        // Bytes are characters: the same walk without decoding or copying.
        let eq = |a: u8, b: u8| {
            if case_insensitive {
                a.eq_ignore_ascii_case(&b)
            } else {
                a == b
            }
        };
        return wildcard_walk(pattern.as_bytes(), text.as_bytes(), b'*', b'?', eq);
    }
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
    wildcard_walk(&p, &t, '*', '?', |a, b| a == b)
}

/// The matching walk of [`wildcard_match`] over characters (or ASCII bytes).
fn wildcard_walk<C: Copy + PartialEq>(
    p: &[C],
    t: &[C],
    any: C,
    one: C,
    eq: impl Fn(C, C) -> bool,
) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        // A `*` in the pattern is always a wildcard, even against a `*` in the text.
        if pi < p.len() && p[pi] == any {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == one || eq(p[pi], t[ti])) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == any {
        pi += 1;
    }
    pi == p.len()
}

fn match_patterns(p: &Patterns, text: &str, ci: bool) -> Tri {
    // A request value that is itself an expression may still match a literal pattern.
    let text_unknown = lint_engine::doc::is_unresolved_text(text);
    let mut maybe = false;
    let mut hit = false;
    for v in &p.values {
        if v.is_unresolved() {
            // The same Terraform expression on both sides has the same value.
            if v.text == text {
                hit = true;
                break;
            }
            maybe = true;
        } else if wildcard_match(&v.text, text, ci) {
            hit = true;
            break;
        } else if text_unknown {
            maybe = true;
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
