//! Rendering a template file as `templatefile(path, vars)` does, keeping a map from each
//! rendered byte back to the template: literal text maps to itself, what an interpolation
//! produced maps to its whole `${…}`. A document parsed from the rendered text can then be
//! reported at the template's own spans.

use std::collections::BTreeMap;
use std::ops::Range;

use hcl_edit::template::{Directive, Element, Strip, Template};
use hcl_edit::Span as _;

use super::eval::{EmptyEnv, Evaluator};
use super::funcs;
use super::template::strips_after;
use super::value::Val;

/// One run of rendered text and where it comes from.
#[derive(Debug, Clone)]
struct Seg {
    out: Range<usize>,
    src: Range<usize>,
    /// Copied from literal template text (byte for byte when the lengths agree).
    literal: bool,
}

/// A rendered template with its offset map.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub text: String,
    segs: Vec<Seg>,
}

impl Rendered {
    fn push(&mut self, s: &str, src: Range<usize>, literal: bool) {
        if s.is_empty() {
            return;
        }
        let start = self.text.len();
        self.text.push_str(s);
        self.segs.push(Seg {
            out: start..self.text.len(),
            src,
            literal,
        });
    }

    /// Trim trailing whitespace, but not below `floor` (what was rendered before a block).
    fn trim_end_to(&mut self, floor: usize) {
        let keep = self.text[floor..].trim_end().len() + floor;
        self.text.truncate(keep);
        self.segs.retain(|s| s.out.start < keep);
        if let Some(last) = self.segs.last_mut() {
            last.out.end = last.out.end.min(keep);
        }
    }

    /// The template offset of rendered offset `o`; `end` for the end of a span (exclusive).
    pub fn source_offset(&self, o: usize, end: bool) -> usize {
        let probe = if end { o.saturating_sub(1) } else { o };
        let i = self.segs.partition_point(|s| s.out.end <= probe);
        let Some(s) = self.segs.get(i).or(self.segs.last()) else {
            return 0;
        };
        let exact = s.literal && s.out.len() == s.src.len();
        match (exact, end) {
            (true, false) => s.src.start + (o.clamp(s.out.start, s.out.end) - s.out.start),
            (true, true) => s.src.start + (o.clamp(s.out.start, s.out.end) - s.out.start),
            (false, false) => s.src.start,
            (false, true) => s.src.end,
        }
    }
}

/// Render `src` (a template file's text) with `vars` as `templatefile` does; an unknown value
/// or an error is returned as the unknown that caused it.
pub fn render_template_file(src: &str, vars: &BTreeMap<String, Val>) -> Result<Rendered, Val> {
    let t: Template = src.parse().map_err(|e: hcl_edit::parser::Error| {
        Val::error("template", format!("does not parse: {}", e.message()))
    })?;
    let mut ev = Evaluator::new(&EmptyEnv, src);
    ev.bound = vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let mut out = Rendered::default();
    ev.render_mapped(&t, false, &mut out)?;
    Ok(out)
}

fn strip_before(out: &mut Rendered, s: Strip, floor: usize) {
    if matches!(s, Strip::Start | Strip::Both) {
        out.trim_end_to(floor);
    }
}

impl Evaluator<'_> {
    /// As the string renderer of templates, into `out` with the offset map.
    pub(super) fn render_mapped(
        &mut self,
        t: &Template,
        strip_lead: bool,
        out: &mut Rendered,
    ) -> Result<(), Val> {
        let mut strip_next = strip_lead;
        let floor = out.text.len();
        for el in t.iter() {
            match el {
                Element::Literal(s) => {
                    let text: &str = s.as_str();
                    let shown = if strip_next { text.trim_start() } else { text };
                    let src = s.span().unwrap_or(0..0);
                    let skipped = text.len() - shown.len();
                    let src = (src.start + skipped).min(src.end)..src.end;
                    out.push(shown, src, true);
                    strip_next = false;
                }
                Element::Interpolation(i) => {
                    strip_before(out, i.strip, floor);
                    let v = self.eval(&i.expr);
                    let s = self.interp_string(v, &i.expr)?;
                    out.push(&s, i.span().unwrap_or(0..0), false);
                    strip_next = strips_after(i.strip);
                }
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(ifd) => {
                        strip_before(out, ifd.if_expr.strip, floor);
                        let branch = match self.eval(&ifd.if_expr.cond_expr) {
                            Val::Bool(b) => b,
                            u @ Val::Unknown(_) => return Err(u),
                            other => {
                                return Err(Val::error(
                                    self.text(&ifd.if_expr.cond_expr),
                                    format!("condition is a {}, not a bool", other.type_name()),
                                ))
                            }
                        };
                        let (body, lead, tail) = if branch {
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
                            let at = out.text.len();
                            self.render_mapped(body, lead, out)?;
                            strip_before(out, tail, at);
                        }
                        strip_next = strips_after(ifd.endif_expr.strip);
                    }
                    Directive::For(fd) => {
                        let fe = &fd.for_expr;
                        strip_before(out, fe.strip, floor);
                        let coll = self.eval(&fe.collection_expr);
                        let pairs = coll.iteration_pairs(&self.text(&fe.collection_expr))?;
                        for (k, v) in pairs {
                            let mark = self.bound.len();
                            if let Some(kn) = &fe.key_var {
                                self.bound.push((kn.value().as_str().to_string(), k));
                            }
                            self.bound
                                .push((fe.value_var.value().as_str().to_string(), v));
                            let at = out.text.len();
                            let r = self.render_mapped(&fe.template, strips_after(fe.strip), out);
                            self.bound.truncate(mark);
                            r?;
                            strip_before(out, fd.endfor_expr.strip, at);
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
            if out.text.len() > funcs::MAX_STRING {
                return Err(Val::unknown("template", "result too large"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, Val)]) -> BTreeMap<String, Val> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn literal_text_maps_to_itself_and_interpolations_to_their_braces() {
        let src = r#"[{"name": "app", "image": "${image}", "cpu": ${cpu}}]"#;
        let r = render_template_file(
            src,
            &vars(&[("image", Val::str("nginx:1.27")), ("cpu", Val::int(256))]),
        )
        .expect("renders");
        assert_eq!(
            r.text,
            r#"[{"name": "app", "image": "nginx:1.27", "cpu": 256}]"#
        );
        // `"name"` is literal: same offsets.
        let at = r.text.find("\"name\"").expect("name");
        assert_eq!(
            r.source_offset(at, false),
            src.find("\"name\"").expect("src")
        );
        // The image value's inner text maps to the whole `${image}`.
        let img = r.text.find("nginx").expect("image");
        let s = src.find("${image}").expect("interp");
        assert_eq!(r.source_offset(img, false), s);
        assert_eq!(
            r.source_offset(img + "nginx:1.27".len(), true),
            s + "${image}".len()
        );
        // `256` came from `${cpu}`.
        let n = r.text.find("256").expect("cpu");
        assert_eq!(
            r.source_offset(n, false),
            src.find("${cpu}").expect("cpu src")
        );
    }

    #[test]
    fn directives_and_unknowns() {
        let src = "[%{ for n in names ~}\n{\"name\": \"${n}\", \"image\": \"x\"}%{ if n != last },%{ endif }%{ endfor ~}\n]";
        let r = render_template_file(
            src,
            &vars(&[
                ("names", Val::List(vec![Val::str("a"), Val::str("b")])),
                ("last", Val::str("b")),
            ]),
        )
        .expect("renders");
        assert_eq!(
            r.text,
            r#"[{"name": "a", "image": "x"},{"name": "b", "image": "x"}]"#
        );
        let e = render_template_file("${missing}", &BTreeMap::new()).expect_err("unknown");
        assert!(e.as_unknown().is_some());
    }
}
