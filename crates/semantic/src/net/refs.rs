//! Which subnets a consumer's attribute names: literal subnet IDs, Terraform references to
//! `aws_subnet` resources and to `terraform-aws-modules/vpc` outputs.

use lint_engine::doc::{Node, Value};
use lint_engine::model::{follow, plan_references};
use lint_engine::model::{Model, TfOrigin, TfResource};
use lint_engine::source::{FileId, Span};
use lint_engine::tfref::{parse_refs, TfRef};

use super::*;

impl<'a> Network<'a> {
    /// Subnets with this ID (plans and state): the same file first, then anywhere.
    pub(crate) fn subnets_by_id(&self, id: &str, file: Option<FileId>) -> Vec<usize> {
        let all: Vec<usize> = self.by_id.get(id).cloned().unwrap_or_default();
        if let Some(f) = file {
            let same: Vec<usize> = all
                .iter()
                .copied()
                .filter(|&i| self.subnets[i].file == f)
                .collect();
            if !same.is_empty() {
                return same;
            }
        }
        all
    }

    /// The subnets a consumer's attribute names, with the span of each reference.
    pub fn referenced_subnets(
        &self,
        model: &Model<'a>,
        r: &TfResource<'a>,
        path: &[&str],
    ) -> Vec<(usize, Span)> {
        let mut out: Vec<(usize, Span)> = Vec::new();
        let push = |si: usize, span: Span, out: &mut Vec<(usize, Span)>| {
            if !out.iter().any(|(s, _)| *s == si) {
                out.push((si, span));
            }
        };
        let nodes = follow(r.values, path);
        for n in &nodes {
            let mut strings = Vec::new();
            collect_strings(n, &mut strings);
            for s in strings {
                for si in self.subnets_from_strings(model, r, s) {
                    push(si, s.span, &mut out);
                }
            }
        }
        if out.is_empty() {
            if let Some(ex) = r.expressions {
                let span = nodes.first().map(|n| n.span).unwrap_or(r.anchor);
                let refs: Vec<TfRef> = follow(ex, path)
                    .into_iter()
                    .flat_map(plan_references)
                    .collect();
                for si in self.subnets_from_refs(model, r, &refs) {
                    push(si, span, &mut out);
                }
            }
        }
        out
    }

    /// Subnets named by one string value: a literal `subnet-…` ID, or interpolations.
    pub(crate) fn subnets_from_strings(
        &self,
        model: &Model<'a>,
        r: &TfResource<'a>,
        s: &Node,
    ) -> Vec<usize> {
        let Some(text) = s.as_str() else {
            return Vec::new();
        };
        if text.contains("${") {
            self.subnets_from_refs(model, r, &parse_refs(text))
        } else if text.starts_with("subnet-") {
            self.subnets_by_id(text, Some(r.file))
        } else {
            Vec::new()
        }
    }

    /// Subnets named by reference expressions (`aws_subnet.a.id`, `aws_subnet.a[0]`,
    /// `module.vpc.private_subnets[1]`, `module.vpc.private_subnets`). When a plan lists both an
    /// indexed reference and its unindexed parent, the indexed one wins.
    pub(crate) fn subnets_from_refs(
        &self,
        model: &Model<'a>,
        r: &TfResource<'a>,
        refs: &[TfRef],
    ) -> Vec<usize> {
        let place = RefPlace {
            module: &r.module,
            origin: r.origin,
            file: r.file,
            dir: &r.dir,
        };
        self.subnets_from_refs_at(model, &place, refs)
    }

    /// As [`Network::subnets_from_refs`], for references written at `place` (a resource or a
    /// module call).
    pub(crate) fn subnets_from_refs_at(
        &self,
        model: &Model<'a>,
        r: &RefPlace<'_>,
        refs: &[TfRef],
    ) -> Vec<usize> {
        let mut out = Vec::new();
        let parsed: Vec<SubnetRef> = refs.iter().filter_map(SubnetRef::of).collect();
        for rf in &parsed {
            if rf.index.is_none()
                && parsed
                    .iter()
                    .any(|o| o.index.is_some() && o.base == rf.base)
            {
                continue;
            }
            if let Some(name) = rf.base.strip_prefix("aws_subnet.") {
                let addr = format!("aws_subnet.{name}");
                let full = lint_engine::model::qualify(r.module, &addr);
                let a = full.as_str();
                let cands = match r.origin {
                    TfOrigin::Plan => self.by_address(model, true).get(&place_key(&(a, r.file))),
                    TfOrigin::Config => self.by_address(model, false).get(&place_key(&(a, r.dir))),
                };
                for &i in cands.into_iter().flatten() {
                    let s = &self.subnets[i];
                    let Some(ri) = s.resource else { continue };
                    let sr = &model.tf[ri];
                    if sr.config_address != full {
                        continue;
                    }
                    let same_place = match r.origin {
                        TfOrigin::Plan => sr.file == r.file,
                        TfOrigin::Config => sr.dir == r.dir,
                    };
                    if !same_place {
                        continue;
                    }
                    let idx_ok = match rf.index {
                        Some(n) => sr.address.ends_with(&format!("[{n}]")),
                        None => true,
                    };
                    if idx_ok && !out.contains(&i) {
                        out.push(i);
                    }
                }
            } else if let Some(rest) = rf.base.strip_prefix("module.") {
                let Some((module, output)) = rest.split_once('.') else {
                    continue;
                };
                let Some(kind) = output.strip_suffix("_subnets") else {
                    continue;
                };
                let cands = match r.origin {
                    TfOrigin::Plan => self.by_slot_file.get(&place_key(&(module, kind, r.file))),
                    TfOrigin::Config => self.by_slot_dir.get(&place_key(&(module, kind, r.dir))),
                };
                for &i in cands.into_iter().flatten() {
                    let s = &self.subnets[i];
                    let Some(slot) = &s.slot else { continue };
                    if slot.module != module || slot.kind != kind {
                        continue;
                    }
                    let same_place = match r.origin {
                        TfOrigin::Plan => s.file == r.file,
                        TfOrigin::Config => s.dir == r.dir,
                    };
                    if !same_place {
                        continue;
                    }
                    if rf.index.is_none_or(|n| n == slot.index) && !out.contains(&i) {
                        out.push(i);
                    }
                }
            }
        }
        out
    }
}

/// Where a reference is written: the module path (plans), origin, file and directory of the
/// resource or module call that holds it.
pub(crate) struct RefPlace<'p> {
    pub(crate) module: &'p str,
    pub(crate) origin: TfOrigin,
    pub(crate) file: FileId,
    pub(crate) dir: &'p str,
}

pub(crate) fn collect_strings<'n>(n: &'n Node, out: &mut Vec<&'n Node>) {
    match &n.value {
        Value::Str(_) | Value::Embedding(_) => out.push(n),
        Value::Seq(v) => v.iter().for_each(|c| collect_strings(c, out)),
        _ => {}
    }
}

/// A reference that may name subnets: `aws_subnet.a` or `module.vpc.private_subnets`, with the
/// index written after the subnet name or the module output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SubnetRef {
    pub(crate) base: String,
    pub(crate) index: Option<usize>,
}

impl SubnetRef {
    pub(crate) fn of(rf: &TfRef) -> Option<SubnetRef> {
        if rf.address.starts_with("aws_subnet.") {
            return Some(SubnetRef {
                base: rf.address.clone(),
                index: rf.index_after(1),
            });
        }
        // module.NAME.OUTPUT[idx]; a module with an instance key (count/for_each) is not
        // supported.
        let output = rf.attr.split('.').next().filter(|o| !o.is_empty())?;
        if !rf.address.starts_with("module.") || rf.has_subscript_after(1) {
            return None;
        }
        Some(SubnetRef {
            base: format!("{}.{output}", rf.address),
            index: rf.index_after(2),
        })
    }
}
