//! The functions the evaluator knows. Any other function is unknown, never guessed.

use std::collections::BTreeMap;

use hcl_edit::expr::FuncArgs;

use super::cidr;
use super::eval::{to_num, Evaluator};
use super::format;
use super::value::{Num, Val};

/// The largest string or list a function may build (bounded work on hostile input).
pub const MAX_STRING: usize = 1 << 20;
const MAX_ITEMS: usize = 100_000;

/// The functions evaluated statically, in alphabetical order.
pub const SUPPORTED: &[&str] = &[
    "cidrhost",
    "cidrsubnet",
    "cidrsubnets",
    "coalesce",
    "concat",
    "element",
    "format",
    "join",
    "jsondecode",
    "jsonencode",
    "length",
    "lookup",
    "lower",
    "merge",
    "replace",
    "split",
    "tolist",
    "tomap",
    "toset",
    "try",
    "upper",
];

pub(crate) fn call(ev: &mut Evaluator<'_>, name: &str, args: &FuncArgs, text: &str) -> Val {
    if !SUPPORTED.contains(&name) {
        return Val::unknown(text, format!("unsupported function {name}()"));
    }
    let mut vals: Vec<Val> = args.iter().map(|a| ev.eval(a)).collect();
    if args.expand_final() {
        match vals.pop() {
            Some(Val::List(v)) => vals.extend(v),
            Some(u @ Val::Unknown(_)) => return u,
            Some(other) => {
                return Val::error(
                    text,
                    format!("cannot expand a {} into arguments", other.type_name()),
                )
            }
            None => {}
        }
    }
    if name == "try" {
        for v in vals {
            match v.first_unknown() {
                Some(u) if u.error => continue,
                Some(u) => return Val::Unknown(Box::new(u.clone())),
                None => return v,
            }
        }
        return Val::error(text, "no expression given to try() could be evaluated");
    }
    if let Some(u) = vals.iter().find_map(|v| v.as_unknown()) {
        return Val::Unknown(Box::new(u.clone()));
    }
    match call_known(name, vals, text) {
        Ok(v) => v,
        Err(msg) => Val::error(text, msg),
    }
}

fn arity(vals: &[Val], n: usize, name: &str) -> Result<(), String> {
    if vals.len() == n {
        Ok(())
    } else {
        Err(format!(
            "{name}() takes {n} argument{}, got {}",
            if n == 1 { "" } else { "s" },
            vals.len()
        ))
    }
}

fn string_arg(v: &Val, what: &str) -> Result<String, String> {
    match v {
        Val::Unknown(u) => Err(u.to_string()),
        other => other
            .to_template_string()
            .ok_or_else(|| format!("{what} must be a string, got a {}", other.type_name())),
    }
}

fn int_arg(v: &Val, what: &str) -> Result<i64, String> {
    to_num(v)
        .and_then(Num::as_i64)
        .ok_or_else(|| format!("{what} must be a whole number, got a {}", v.type_name()))
}

fn list_arg<'v>(v: &'v Val, what: &str) -> Result<&'v [Val], String> {
    v.as_list()
        .ok_or_else(|| format!("{what} must be a list, got a {}", v.type_name()))
}

/// Whole-value known check for functions that need every element (`join`, `jsonencode`, …).
fn known(vals: &[Val]) -> Result<(), Val> {
    match vals.iter().find_map(Val::first_unknown) {
        Some(u) => Err(Val::Unknown(Box::new(u.clone()))),
        None => Ok(()),
    }
}

fn call_known(name: &str, vals: Vec<Val>, text: &str) -> Result<Val, String> {
    let needs_whole = !matches!(
        name,
        "merge" | "concat" | "coalesce" | "element" | "length" | "lookup" | "tolist" | "tomap"
    );
    if needs_whole {
        if let Err(u) = known(&vals) {
            return Ok(u);
        }
    }
    Ok(match name {
        "cidrsubnet" => {
            arity(&vals, 3, name)?;
            let p = string_arg(&vals[0], "prefix")?;
            let nb = int_arg(&vals[1], "newbits")?;
            let nn = int_arg(&vals[2], "netnum")?;
            Val::Str(cidr::subnet(&p, nb, nn)?)
        }
        "cidrsubnets" => {
            if vals.is_empty() {
                return Err("cidrsubnets() takes a prefix and newbits".into());
            }
            let p = string_arg(&vals[0], "prefix")?;
            let nbs = vals[1..]
                .iter()
                .map(|v| int_arg(v, "newbits"))
                .collect::<Result<Vec<_>, _>>()?;
            Val::List(cidr::subnets(&p, &nbs)?.into_iter().map(Val::Str).collect())
        }
        "cidrhost" => {
            arity(&vals, 2, name)?;
            let p = string_arg(&vals[0], "prefix")?;
            let h = int_arg(&vals[1], "hostnum")?;
            Val::Str(cidr::host(&p, h)?)
        }
        "merge" => {
            let mut out = BTreeMap::new();
            for v in vals {
                match v {
                    Val::Null => {}
                    Val::Map(m) => out.extend(m),
                    other => {
                        return Err(format!(
                            "merge() arguments must be maps or objects, got a {}",
                            other.type_name()
                        ))
                    }
                }
            }
            Val::Map(out)
        }
        "concat" => {
            let mut out = Vec::new();
            for v in vals {
                match v {
                    Val::List(l) => out.extend(l),
                    other => {
                        return Err(format!(
                            "concat() arguments must be lists, got a {}",
                            other.type_name()
                        ))
                    }
                }
                if out.len() > MAX_ITEMS {
                    return Err("result too large".into());
                }
            }
            Val::List(out)
        }
        "format" => {
            let Some((f, rest)) = vals.split_first() else {
                return Err("format() needs a format string".into());
            };
            let f = string_arg(f, "format")?;
            match format::format(&f, rest, text) {
                Ok(s) => Val::Str(s),
                Err(v) => v,
            }
        }
        "join" => {
            let Some((sep, lists)) = vals.split_first() else {
                return Err("join() needs a separator".into());
            };
            let sep = string_arg(sep, "separator")?;
            let mut parts = Vec::new();
            for l in lists {
                for item in list_arg(l, "join() list")? {
                    parts.push(string_arg(item, "join() element")?);
                }
            }
            let s = parts.join(&sep);
            check_len(&s)?;
            Val::Str(s)
        }
        "split" => {
            arity(&vals, 2, name)?;
            let sep = string_arg(&vals[0], "separator")?;
            let s = string_arg(&vals[1], "string")?;
            // As Go's strings.Split: `split(",", "")` is `[""]`; an empty separator splits
            // into characters.
            if sep.is_empty() {
                Val::List(s.chars().map(|c| Val::Str(c.to_string())).collect())
            } else {
                Val::List(s.split(sep.as_str()).map(Val::str).collect())
            }
        }
        "lookup" => {
            if !(2..=3).contains(&vals.len()) {
                return Err(format!(
                    "lookup() takes 2 or 3 arguments, got {}",
                    vals.len()
                ));
            }
            let key = string_arg(&vals[1], "key")?;
            let mut it = vals.into_iter();
            let map = it.next().unwrap_or(Val::Null);
            let default = it.nth(1);
            match map {
                Val::Map(mut m) => match (m.remove(&key), default) {
                    (Some(v), _) => v,
                    (None, Some(d)) => d,
                    (None, None) => {
                        return Err(format!("the given key \"{key}\" does not exist in the map"))
                    }
                },
                other => return Err(format!("lookup() needs a map, got a {}", other.type_name())),
            }
        }
        "element" => {
            arity(&vals, 2, name)?;
            let i = int_arg(&vals[1], "index")?;
            let list = list_arg(&vals[0], "element() list")?;
            if list.is_empty() {
                return Err("cannot use element function with an empty list".into());
            }
            if i < 0 {
                return Err("cannot use element function with a negative index".into());
            }
            list[(i as u64 % list.len() as u64) as usize].clone()
        }
        "length" => {
            arity(&vals, 1, name)?;
            match &vals[0] {
                Val::List(l) => Val::int(l.len() as i64),
                Val::Map(m) => Val::int(m.len() as i64),
                Val::Str(s) if s.is_ascii() => Val::int(s.len() as i64),
                // Terraform counts grapheme clusters (`length("👾🕹️")` is 2), which needs
                // Unicode segmentation tables this evaluator does not carry.
                Val::Str(_) => {
                    return Ok(Val::unknown(
                        text,
                        "length() of a non-ASCII string counts grapheme clusters, which is not evaluated",
                    ))
                }
                other => return Err(format!("length() of a {}", other.type_name())),
            }
        }
        "tolist" => {
            arity(&vals, 1, name)?;
            match vals.into_iter().next() {
                Some(l @ Val::List(_)) => l,
                Some(Val::Null) => Val::Null,
                Some(other) => {
                    return Err(format!("cannot convert a {} to a list", other.type_name()))
                }
                None => Val::Null,
            }
        }
        "toset" => {
            arity(&vals, 1, name)?;
            match vals.into_iter().next() {
                Some(Val::List(l)) => Val::List(to_set(l)),
                Some(Val::Null) => Val::Null,
                Some(other) => {
                    return Err(format!("cannot convert a {} to a set", other.type_name()))
                }
                None => Val::Null,
            }
        }
        "tomap" => {
            arity(&vals, 1, name)?;
            match vals.into_iter().next() {
                Some(m @ Val::Map(_)) => m,
                Some(Val::Null) => Val::Null,
                Some(other) => {
                    return Err(format!("cannot convert a {} to a map", other.type_name()))
                }
                None => Val::Null,
            }
        }
        "lower" | "upper" => {
            arity(&vals, 1, name)?;
            let s = string_arg(&vals[0], "string")?;
            match change_case(&s, name == "upper") {
                Some(out) => Val::Str(out),
                None => Val::unknown(
                    text,
                    format!("{name}() of a character without a one-to-one case mapping is not evaluated"),
                ),
            }
        }
        "replace" => {
            arity(&vals, 3, name)?;
            let s = string_arg(&vals[0], "string")?;
            let sub = string_arg(&vals[1], "substring")?;
            let rep = string_arg(&vals[2], "replacement")?;
            let out = if sub.len() > 1 && sub.starts_with('/') && sub.ends_with('/') {
                let re = regex::RegexBuilder::new(&sub[1..sub.len() - 1])
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| format!("invalid regular expression: {e}"))?;
                re.replace_all(&s, rep.as_str()).into_owned()
            } else if sub.is_empty() {
                // Go's strings.Replace with an empty old string inserts between every rune.
                let mut out = rep.clone();
                for c in s.chars() {
                    out.push(c);
                    out.push_str(&rep);
                }
                out
            } else {
                s.replace(&sub, &rep)
            };
            check_len(&out)?;
            Val::Str(out)
        }
        "coalesce" => {
            for v in vals {
                match v {
                    Val::Null => {}
                    Val::Str(s) if s.is_empty() => {}
                    other => return Ok(other),
                }
            }
            return Err("no non-null, non-empty-string arguments".into());
        }
        "jsonencode" => {
            arity(&vals, 1, name)?;
            let s = json_encode(&vals[0]).ok_or("value cannot be encoded as JSON")?;
            check_len(&s)?;
            Val::Str(s)
        }
        "jsondecode" => {
            arity(&vals, 1, name)?;
            let s = string_arg(&vals[0], "string")?;
            let j: serde_json::Value =
                serde_json::from_str(&s).map_err(|e| format!("invalid JSON: {e}"))?;
            Val::from_json(&j)
        }
        _ => return Ok(Val::unknown(text, format!("unsupported function {name}()"))),
    })
}

/// Per-character case mapping, as Go's `strings.ToUpper`/`ToLower` do it; `None` when a
/// character maps to several (`ß` → `SS` in Rust's full mapping, unchanged in Go's).
fn change_case(s: &str, upper: bool) -> Option<String> {
    if s.is_ascii() {
        return Some(if upper {
            s.to_ascii_uppercase()
        } else {
            s.to_ascii_lowercase()
        });
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let mut m: Vec<char> = if upper {
            c.to_uppercase().collect()
        } else {
            c.to_lowercase().collect()
        };
        if m.len() != 1 {
            return None;
        }
        out.push(m.pop()?);
    }
    Some(out)
}

fn check_len(s: &str) -> Result<(), String> {
    if s.len() > MAX_STRING {
        Err("result too large".into())
    } else {
        Ok(())
    }
}

/// Terraform's set order: strings lexically, numbers by value; duplicates removed.
fn to_set(mut l: Vec<Val>) -> Vec<Val> {
    let mut out: Vec<Val> = Vec::with_capacity(l.len());
    l.sort_by(|a, b| match (a, b) {
        (Val::Num(x), Val::Num(y)) => x.as_f64().total_cmp(&y.as_f64()),
        (Val::Str(x), Val::Str(y)) => x.cmp(y),
        _ => std::cmp::Ordering::Equal,
    });
    for v in l {
        if !out.iter().any(|o| o.tf_eq(&v)) {
            out.push(v);
        }
    }
    out
}

/// `jsonencode`: object keys sorted, `<`, `>` and `&` escaped as Terraform (Go) does. `None` for
/// a value with an unknown in it.
pub fn json_encode(v: &Val) -> Option<String> {
    let mut out = String::new();
    enc(v, &mut out)?;
    Some(out)
}

fn enc(v: &Val, out: &mut String) -> Option<()> {
    match v {
        Val::Null => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Num(n) => out.push_str(&n.to_string()),
        Val::Str(s) => enc_str(s, out),
        Val::List(l) => {
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                enc(x, out)?;
            }
            out.push(']');
        }
        Val::Map(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                enc_str(k, out);
                out.push(':');
                enc(x, out)?;
            }
            out.push('}');
        }
        Val::Unknown(_) => return None,
    }
    Some(())
}

fn enc_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}
