//! Terraform's `format()`: the verbs `%s`, `%d`, `%v`, `%q`, `%t`, `%f` and `%%`, with the
//! flags `-`, `+`, `0`, a width and a precision. Other verbs make the result unknown.

use super::eval::to_num;
use super::funcs::{json_encode, MAX_STRING};
use super::value::{Num, Val};

/// Format `args` by `spec`; an `Err` is the (unknown or error) value of the call.
pub fn format(spec: &str, args: &[Val], text: &str) -> Result<String, Val> {
    let err = |m: String| Val::error(text, m);
    let mut out = String::new();
    let mut chars = spec.chars().peekable();
    let mut next_arg = 0usize;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let (mut left, mut zero, mut plus) = (false, false, false);
        while let Some(&f) = chars.peek() {
            match f {
                '-' => left = true,
                '0' => zero = true,
                '+' => plus = true,
                _ => break,
            }
            chars.next();
        }
        let width = read_num(&mut chars);
        let prec = if chars.peek() == Some(&'.') {
            chars.next();
            Some(read_num(&mut chars).unwrap_or(0))
        } else {
            None
        };
        if width.unwrap_or(0) > 4096 || prec.unwrap_or(0) > 4096 {
            return Err(Val::unknown(text, "format width or precision too large"));
        }
        let Some(verb) = chars.next() else {
            return Err(err("format string ends with an incomplete verb".into()));
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next_arg) else {
            return Err(err(format!("not enough arguments for %{verb}")));
        };
        next_arg += 1;
        let body = match verb {
            's' => {
                let s = arg
                    .to_template_string()
                    .ok_or_else(|| err(format!("%s needs a string, got a {}", arg.type_name())))?;
                match prec {
                    Some(p) => s.chars().take(p).collect(),
                    None => s,
                }
            }
            'q' => {
                let s = arg
                    .to_template_string()
                    .ok_or_else(|| err(format!("%q needs a string, got a {}", arg.type_name())))?;
                json_encode(&Val::Str(s)).unwrap_or_default()
            }
            'v' => match arg {
                Val::Str(s) => s.clone(),
                Val::Null => "null".to_string(),
                other => json_encode(other).unwrap_or_default(),
            },
            't' => match arg {
                Val::Bool(b) => b.to_string(),
                other => return Err(err(format!("%t needs a bool, got a {}", other.type_name()))),
            },
            'd' => {
                let n = to_num(arg)
                    .and_then(Num::as_i64)
                    .ok_or_else(|| err(format!("%d needs a whole number, got {}", show(arg))))?;
                if plus && n >= 0 {
                    format!("+{n}")
                } else {
                    n.to_string()
                }
            }
            'f' => {
                let n = to_num(arg)
                    .ok_or_else(|| err(format!("%f needs a number, got {}", show(arg))))?
                    .as_f64();
                let s = format!("{:.*}", prec.unwrap_or(6), n);
                if plus && n >= 0.0 {
                    format!("+{s}")
                } else {
                    s
                }
            }
            other => {
                return Err(Val::unknown(
                    text,
                    format!("format verb %{other} is not evaluated"),
                ))
            }
        };
        let w = width.unwrap_or(0);
        let len = body.chars().count();
        if len >= w {
            out.push_str(&body);
        } else if left {
            out.push_str(&body);
            out.extend(std::iter::repeat_n(' ', w - len));
        } else if zero && matches!(verb, 'd' | 'f') {
            let (sign, digits) = match body.strip_prefix(['-', '+']) {
                Some(d) => (&body[..1], d),
                None => ("", body.as_str()),
            };
            out.push_str(sign);
            out.extend(std::iter::repeat_n('0', w - len));
            out.push_str(digits);
        } else {
            out.extend(std::iter::repeat_n(' ', w - len));
            out.push_str(&body);
        }
        if out.len() > MAX_STRING {
            return Err(Val::unknown(text, "result too large"));
        }
    }
    if next_arg < args.len() {
        return Err(err(format!(
            "too many arguments; {} given, {} used",
            args.len(),
            next_arg
        )));
    }
    Ok(out)
}

fn show(v: &Val) -> String {
    match v {
        Val::Str(s) => format!("\"{s}\""),
        other => format!("a {}", other.type_name()),
    }
}

fn read_num(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<usize> {
    let mut n: Option<usize> = None;
    while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
        n = Some(n.unwrap_or(0).saturating_mul(10).saturating_add(d as usize));
        chars.next();
    }
    n
}
