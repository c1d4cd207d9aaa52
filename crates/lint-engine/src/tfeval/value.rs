//! Values of the static evaluator: Terraform's value model, with an explicit unknown.

use std::collections::BTreeMap;
use std::fmt;

/// A Terraform number. Integers stay exact while they fit in an `i64`; everything else is an
/// `f64` (Terraform's numbers are arbitrary precision; values beyond these are rare in
/// infrastructure code and arithmetic that would lose precision becomes unknown).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    pub fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }

    /// The exact integer this number holds, if it is one.
    pub fn as_i64(self) -> Option<i64> {
        match self {
            Num::Int(i) => Some(i),
            Num::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
            Num::Float(_) => None,
        }
    }

    /// Parse a number as written in HCL or JSON (`12`, `-3`, `1.5`, `1e3`).
    pub fn parse(s: &str) -> Option<Num> {
        let t = s.trim();
        if let Ok(i) = t.parse::<i64>() {
            return Some(Num::Int(i));
        }
        let digits = t.strip_prefix('-').unwrap_or(t);
        if digits.bytes().all(|b| b.is_ascii_digit()) {
            // An integer beyond 64 bits: not approximated.
            return None;
        }
        let f: f64 = t.parse().ok()?;
        f.is_finite().then(|| Num::from_f64(f))
    }

    /// An `f64`, as an exact integer when it is one.
    pub fn from_f64(f: f64) -> Num {
        if f.fract() == 0.0 && f.abs() < 9.0e15 {
            Num::Int(f as i64)
        } else {
            Num::Float(f)
        }
    }

    fn num_eq(self, other: Num) -> bool {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => a == b,
            (a, b) => a.as_f64() == b.as_f64(),
        }
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Num::Int(i) => write!(f, "{i}"),
            Num::Float(x) => write!(f, "{x}"),
        }
    }
}

/// Why a value is not known statically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// The expression whose value is unknown, as written (`var.vpc_cidr`, `foo(1)`).
    pub expr: String,
    /// Why: `no value for variable "vpc_cidr"`, `unsupported function foo()`, …
    pub reason: String,
    /// True when Terraform itself would reject the expression (an index out of range, a prefix
    /// too long for `cidrsubnet`, …): `try()` moves on past these, not past plain unknowns.
    pub error: bool,
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.expr, self.reason)
    }
}

/// A value: Terraform's null, bool, number, string, list/tuple/set, map/object, or unknown.
///
/// Sets are lists in Terraform's set order (sorted, duplicates removed); objects and maps are
/// ordered by key, as Terraform iterates them. A collection may hold unknown elements.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Num(Num),
    Str(String),
    List(Vec<Val>),
    Map(BTreeMap<String, Val>),
    Unknown(Box<Unknown>),
}

impl Val {
    /// The (key, value) pairs a `for` expression or directive iterates over: index and element
    /// of a list, key and value of a map. An unknown collection is returned as `Err` unchanged;
    /// anything else is an error naming `expr`.
    pub fn iteration_pairs(self, expr: &str) -> Result<Vec<(Val, Val)>, Val> {
        match self {
            u @ Val::Unknown(_) => Err(u),
            Val::List(v) => Ok(v
                .into_iter()
                .enumerate()
                .map(|(i, x)| (Val::int(i as i64), x))
                .collect()),
            Val::Map(m) => Ok(m.into_iter().map(|(k, v)| (Val::Str(k), v)).collect()),
            other => Err(Val::error(
                expr,
                format!("cannot iterate over a {}", other.type_name()),
            )),
        }
    }

    pub fn unknown(expr: impl Into<String>, reason: impl Into<String>) -> Val {
        Val::Unknown(Box::new(Unknown {
            expr: expr.into(),
            reason: reason.into(),
            error: false,
        }))
    }

    /// A value Terraform would reject with an error.
    pub fn error(expr: impl Into<String>, reason: impl Into<String>) -> Val {
        Val::Unknown(Box::new(Unknown {
            expr: expr.into(),
            reason: reason.into(),
            error: true,
        }))
    }

    pub fn str(s: impl Into<String>) -> Val {
        Val::Str(s.into())
    }

    pub fn int(i: i64) -> Val {
        Val::Num(Num::Int(i))
    }

    pub fn as_unknown(&self) -> Option<&Unknown> {
        match self {
            Val::Unknown(u) => Some(u),
            _ => None,
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Val::Unknown(_))
    }

    /// The first unknown anywhere in the value (depth first), if any.
    pub fn first_unknown(&self) -> Option<&Unknown> {
        match self {
            Val::Unknown(u) => Some(u),
            Val::List(v) => v.iter().find_map(Val::first_unknown),
            Val::Map(m) => m.values().find_map(Val::first_unknown),
            _ => None,
        }
    }

    /// True when nothing in the value is unknown.
    pub fn is_wholly_known(&self) -> bool {
        self.first_unknown().is_none()
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Val]> {
        match self {
            Val::List(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&BTreeMap<String, Val>> {
        match self {
            Val::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Val::Num(n) => n.as_i64(),
            Val::Str(s) => Num::parse(s).and_then(Num::as_i64),
            _ => None,
        }
    }

    /// Terraform's name for the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Bool(_) => "bool",
            Val::Num(_) => "number",
            Val::Str(_) => "string",
            Val::List(_) => "list",
            Val::Map(_) => "map",
            Val::Unknown(_) => "unknown",
        }
    }

    /// Conversion to a string as templates and string functions do it: strings, numbers and
    /// bools; `None` for anything else.
    pub fn to_template_string(&self) -> Option<String> {
        match self {
            Val::Str(s) => Some(s.clone()),
            Val::Num(n) => Some(n.to_string()),
            Val::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// Terraform's `==`: same type and same value (numbers compare by value).
    pub fn tf_eq(&self, other: &Val) -> bool {
        match (self, other) {
            (Val::Num(a), Val::Num(b)) => a.num_eq(*b),
            (Val::List(a), Val::List(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.tf_eq(y))
            }
            (Val::Map(a), Val::Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((ka, va), (kb, vb))| ka == kb && va.tf_eq(vb))
            }
            (Val::Unknown(_), _) | (_, Val::Unknown(_)) => false,
            (a, b) => a == b,
        }
    }

    /// From a JSON value (`jsondecode`, `.tfvars.json`).
    pub fn from_json(j: &serde_json::Value) -> Val {
        match j {
            serde_json::Value::Null => Val::Null,
            serde_json::Value::Bool(b) => Val::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Val::int(i),
                None => Val::Num(Num::from_f64(n.as_f64().unwrap_or(f64::NAN))),
            },
            serde_json::Value::String(s) => Val::str(s.clone()),
            serde_json::Value::Array(a) => Val::List(a.iter().map(Val::from_json).collect()),
            serde_json::Value::Object(o) => Val::Map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Val::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// A literal value from the document tree (strings are taken as written, not as templates):
    /// how `.tfvars.json` values and `variable` defaults are read.
    pub fn from_node_literal(n: &crate::doc::Node) -> Val {
        use crate::doc::Value as V;
        match &n.value {
            V::Null => Val::Null,
            V::Bool(b) => Val::Bool(*b),
            V::Number(s) => Num::parse(s)
                .map(Val::Num)
                .unwrap_or_else(|| Val::unknown(s.clone(), "number beyond 64-bit precision")),
            V::Str(s) => Val::str(s.clone()),
            V::Embedding(e) => Val::str(e.text.clone()),
            V::Seq(items) => Val::List(items.iter().map(Val::from_node_literal).collect()),
            V::Map(members) => Val::Map(
                members
                    .iter()
                    .map(|m| (m.key.to_string(), Val::from_node_literal(&m.value)))
                    .collect(),
            ),
        }
    }
}

impl fmt::Display for Val {
    /// Strings bare, everything else as Terraform's console would show it (JSON-like).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::Str(s) => f.write_str(s),
            Val::Unknown(u) => write!(f, "(unknown: {u})"),
            other => f.write_str(&super::funcs::json_encode(other).unwrap_or_default()),
        }
    }
}
