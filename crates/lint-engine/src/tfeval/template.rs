//! Templates: interpolation, `%{ if }` and `%{ for }` directives, and `~` strip markers.

use hcl_edit::expr::Expression;
use hcl_edit::template::{Directive, Element, Strip, Template};

use super::eval::Evaluator;
use super::funcs;
use super::value::Val;

impl Evaluator<'_> {
    pub(crate) fn template_string(&mut self, t: &Template, _text: &str) -> Val {
        match self.render(t, false) {
            Ok(s) => Val::Str(s),
            // The innermost unknown names the real cause; `text` is the template's.
            Err(u) => u,
        }
    }

    /// A whole template: a lone interpolation keeps its value's type.
    pub(crate) fn template_value(&mut self, t: &Template) -> Val {
        let elems: Vec<&Element> = t.iter().collect();
        if let [Element::Interpolation(i)] = elems.as_slice() {
            return self.eval(&i.expr);
        }
        match self.render(t, false) {
            Ok(s) => Val::Str(s),
            Err(u) => u,
        }
    }

    /// Render a template to a string; `strip_lead` trims the leading whitespace of its first
    /// literal (a `~}` on the tag before it).
    fn render(&mut self, t: &Template, strip_lead: bool) -> Result<String, Val> {
        let mut out = String::new();
        let mut strip_next = strip_lead;
        for el in t.iter() {
            match el {
                Element::Literal(s) => {
                    let s: &str = s.as_str();
                    out.push_str(if strip_next { s.trim_start() } else { s });
                    strip_next = false;
                }
                Element::Interpolation(i) => {
                    strip_before(&mut out, i.strip);
                    let v = self.eval(&i.expr);
                    out.push_str(&self.interp_string(v, &i.expr)?);
                    strip_next = strips_after(i.strip);
                }
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(ifd) => {
                        strip_before(&mut out, ifd.if_expr.strip);
                        let cond = self.eval(&ifd.if_expr.cond_expr);
                        let branch = match cond {
                            Val::Bool(b) => b,
                            u @ Val::Unknown(_) => return Err(u),
                            other => {
                                return Err(Val::error(
                                    self.text(&ifd.if_expr.cond_expr),
                                    format!("condition is a {}, not a bool", other.type_name()),
                                ))
                            }
                        };
                        let (body, lead, tail_strip) = if branch {
                            let next = ifd
                                .else_expr
                                .as_ref()
                                .map(|e| e.strip)
                                .unwrap_or(ifd.endif_expr.strip);
                            (
                                Some(&ifd.if_expr.template),
                                strips_after(ifd.if_expr.strip),
                                next,
                            )
                        } else {
                            match &ifd.else_expr {
                                Some(e) => (
                                    Some(&e.template),
                                    strips_after(e.strip),
                                    ifd.endif_expr.strip,
                                ),
                                None => (None, false, ifd.endif_expr.strip),
                            }
                        };
                        if let Some(body) = body {
                            let mut s = self.render(body, lead)?;
                            strip_before(&mut s, tail_strip);
                            out.push_str(&s);
                        }
                        strip_next = strips_after(ifd.endif_expr.strip);
                    }
                    Directive::For(fd) => {
                        let fe = &fd.for_expr;
                        strip_before(&mut out, fe.strip);
                        let coll = self.eval(&fe.collection_expr);
                        let pairs = coll.iteration_pairs(&self.text(&fe.collection_expr))?;
                        for (k, v) in pairs {
                            let mark = self.bound.len();
                            if let Some(kn) = &fe.key_var {
                                self.bound.push((kn.value().as_str().to_string(), k));
                            }
                            self.bound
                                .push((fe.value_var.value().as_str().to_string(), v));
                            let r = self.render(&fe.template, strips_after(fe.strip));
                            self.bound.truncate(mark);
                            let mut s = r?;
                            strip_before(&mut s, fd.endfor_expr.strip);
                            out.push_str(&s);
                            if self.fuel == 0 {
                                return Err(Val::unknown(
                                    "template",
                                    "evaluation budget exhausted",
                                ));
                            }
                        }
                        strip_next = strips_after(fd.endfor_expr.strip);
                    }
                },
            }
            if out.len() > funcs::MAX_STRING {
                return Err(Val::unknown("template", "result too large"));
            }
        }
        Ok(out)
    }

    pub(super) fn interp_string(&self, v: Val, e: &Expression) -> Result<String, Val> {
        match v {
            u @ Val::Unknown(_) => Err(u),
            Val::Null => Err(Val::error(self.text(e), "null value in a string template")),
            other => other.to_template_string().ok_or_else(|| {
                Val::error(
                    self.text(e),
                    format!(
                        "a {} cannot be interpolated into a string",
                        other.type_name()
                    ),
                )
            }),
        }
    }
}

fn strip_before(out: &mut String, s: Strip) {
    if matches!(s, Strip::Start | Strip::Both) {
        let n = out.trim_end().len();
        out.truncate(n);
    }
}

pub(super) fn strips_after(s: Strip) -> bool {
    matches!(s, Strip::End | Strip::Both)
}
