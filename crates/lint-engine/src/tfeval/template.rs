//! Templates: interpolation, `%{ if }` and `%{ for }` directives, and `~` strip markers (rendered
//! by [`super::template_map`], which also keeps where each rendered byte comes from).

use hcl_edit::expr::Expression;
use hcl_edit::template::{Element, Strip, Template};

use super::eval::Evaluator;
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
        let mut out = super::template_map::Rendered::default();
        self.render_mapped(t, strip_lead, &mut out)?;
        Ok(out.text)
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

pub(super) fn strips_after(s: Strip) -> bool {
    matches!(s, Strip::End | Strip::Both)
}
