//! Terraform references inside interpolations: `${aws_iam_role.exec.arn}`,
//! `${data.aws_iam_policy_document.p.json}`, `${module.vpc.private_subnets[0]}`, `${var.x}`.

/// One reference found in an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TfRef {
    /// `aws_iam_role.exec`, `data.aws_iam_policy_document.p`, `module.vpc`, `var.x`, `local.y`.
    pub address: String,
    /// What follows the address: `arn`, `json`, `private_subnets`… (empty when nothing follows).
    pub attr: String,
    /// The `[…]` subscripts written in the reference, in order (`aws_subnet.a[0].id`,
    /// `module.vpc.private_subnets[1]`); the address and `attr` leave them out.
    pub subscripts: Vec<Subscript>,
}

/// One `[…]` subscript of a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subscript {
    /// The dotted segment it follows, counted from 0: 1 in `aws_subnet.a[0]`, 2 in
    /// `module.vpc.private_subnets[1]`.
    pub segment: usize,
    /// The index when it is a literal number; `None` for `[*]`, `["key"]` or an expression.
    pub index: Option<usize>,
}

impl TfRef {
    /// The index written right after the dotted segment `segment` (see [`Subscript`]); `None`
    /// when there is none or it is not a literal number.
    pub fn index_after(&self, segment: usize) -> Option<usize> {
        self.subscripts
            .iter()
            .find(|s| s.segment == segment)
            .and_then(|s| s.index)
    }

    /// True when a subscript follows the dotted segment `segment`.
    pub fn has_subscript_after(&self, segment: usize) -> bool {
        self.subscripts.iter().any(|s| s.segment == segment)
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}
fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Split `a.b.c[0].d` into identifier segments and the subscripts that follow them.
fn segments(s: &str) -> (Vec<&str>, Vec<Subscript>, usize) {
    let mut out = Vec::new();
    let mut subscripts = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        let start = i;
        if i >= b.len() || !is_ident_start(b[i] as char) {
            break;
        }
        while i < b.len() && is_ident(b[i] as char) {
            i += 1;
        }
        out.push(&s[start..i]);
        // Skip any `[...]` indexes (bounded, no nesting needed for addresses).
        while i < b.len() && b[i] == b'[' {
            match s[i..].find(']') {
                Some(j) => {
                    subscripts.push(Subscript {
                        segment: out.len() - 1,
                        index: s[i + 1..i + j].trim().parse().ok(),
                    });
                    i += j + 1;
                }
                None => return (out, subscripts, i),
            }
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
        } else {
            break;
        }
    }
    (out, subscripts, i)
}

/// Every reference in a string holding Terraform interpolations. Plain strings yield nothing.
pub fn parse_refs(text: &str) -> Vec<TfRef> {
    let mut refs = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("${") {
        let body_start = open + 2;
        // Find the matching close brace, counting nesting.
        let mut depth = 1usize;
        let mut end = None;
        for (i, c) in rest[body_start..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(body_start + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let body = &rest[body_start..end.unwrap_or(rest.len())];
        refs.extend(refs_in_expression(body));
        rest = match end {
            Some(e) => &rest[e + 1..],
            None => "",
        };
    }
    refs
}

/// References in a bare HCL expression (no `${}`), e.g. a plan's `references` entries.
pub fn refs_in_expression(expr: &str) -> Vec<TfRef> {
    let mut out = Vec::new();
    let mut i = 0;
    let b = expr.as_bytes();
    let mut in_str = false;
    while i < b.len() {
        let c = b[i] as char;
        if c == '"' {
            in_str = !in_str;
            i += 1;
            continue;
        }
        let prev_ok = i == 0 || !(is_ident(b[i - 1] as char) || b[i - 1] == b'.');
        if !in_str && prev_ok && is_ident_start(c) {
            let (segs, subscripts, len) = segments(&expr[i..]);
            if let Some(r) = to_ref(&segs, subscripts) {
                out.push(r);
            }
            i += len.max(1);
        } else {
            i += 1;
        }
    }
    out
}

fn to_ref(segs: &[&str], subscripts: Vec<Subscript>) -> Option<TfRef> {
    let join = |n: usize| segs[..n].join(".");
    let attr = |n: usize| segs.get(n..).map(|s| s.join(".")).unwrap_or_default();
    let n = match segs.first()? {
        &"data" if segs.len() >= 3 => 3,
        &"module" | &"var" | &"local" if segs.len() >= 2 => 2,
        t if segs.len() >= 2 && t.contains('_') && !t.contains('-') => 2,
        _ => return None,
    };
    Some(TfRef {
        address: join(n),
        attr: attr(n),
        subscripts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_references() {
        let r = parse_refs("${aws_iam_role.exec.arn}");
        assert_eq!(
            r,
            vec![TfRef {
                address: "aws_iam_role.exec".into(),
                attr: "arn".into(),
                subscripts: vec![],
            }]
        );
        let r =
            parse_refs("arn:${data.aws_partition.p.partition}:x:${module.vpc.private_subnets[0]}");
        assert_eq!(r[0].address, "data.aws_partition.p");
        assert_eq!(r[1].address, "module.vpc");
        assert_eq!(r[1].attr, "private_subnets");
        let r = parse_refs("${jsonencode({a = aws_ecs_cluster.main.id})}");
        assert_eq!(
            r,
            vec![TfRef {
                address: "aws_ecs_cluster.main".into(),
                attr: "id".into(),
                subscripts: vec![],
            }]
        );
        assert!(parse_refs("plain").is_empty());
        assert!(parse_refs("${\"x.y\"}").is_empty());
        assert_eq!(
            refs_in_expression("aws_lb_target_group.app[0].arn")[0].address,
            "aws_lb_target_group.app"
        );
    }

    #[test]
    fn keeps_subscripts() {
        let r = refs_in_expression("concat(module.vpc.private_subnets[1], [aws_subnet.x[0].id])");
        assert_eq!(r.len(), 2);
        assert_eq!(
            (r[0].address.as_str(), r[0].attr.as_str()),
            ("module.vpc", "private_subnets")
        );
        assert_eq!(r[0].index_after(2), Some(1));
        assert!(!r[0].has_subscript_after(1));
        assert_eq!(
            (r[1].address.as_str(), r[1].attr.as_str()),
            ("aws_subnet.x", "id")
        );
        assert_eq!(r[1].index_after(1), Some(0));
        let r = refs_in_expression("module.vpc[0].private_subnets[*]");
        assert!(r[0].has_subscript_after(1));
        assert!(r[0].has_subscript_after(2));
        assert_eq!(r[0].index_after(2), None);
    }
}
