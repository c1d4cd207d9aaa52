//! The expression and template evaluator over `hcl-edit`'s syntax tree.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use hcl_edit::expr::{
    BinaryOperator, Expression, ForExpr, ObjectKey, Traversal, TraversalOperator, UnaryOperator,
};
use hcl_edit::template::Template;
use hcl_edit::Span as _;

use super::funcs;
use super::value::{Num, Val};

/// Where references are looked up: `var.x`, `local.y`, `module.m`, `each.key`, `count.index`,
/// `path.module`, resource and data addresses.
pub trait Env {
    /// The value of `namespace.name` (`var`/`vpc_cidr`, `local`/`subnets`, `module`/`vpc`,
    /// `each`/`key`, `aws_vpc`/`main`, `data`/…), or `None` when this scope has nothing for it
    /// (the evaluator then reports the reference as unknown).
    fn get(&self, namespace: &str, name: &str) -> Option<Val>;

    /// `data.TYPE.NAME`: data sources are read during plan; by default unknown.
    fn data(&self, _rtype: &str, _name: &str) -> Option<Val> {
        None
    }

    /// `TYPE.NAME.ATTR` of a managed resource: its configured value when the configuration
    /// sets it statically, `None` otherwise (then the attribute is known only after apply).
    fn resource(&self, _rtype: &str, _name: &str, _attr: &str) -> Option<Val> {
        None
    }
}

/// An environment with nothing in it: only literals and functions evaluate.
pub struct EmptyEnv;

impl Env for EmptyEnv {
    fn get(&self, _: &str, _: &str) -> Option<Val> {
        None
    }
}

/// How much work one evaluation may do (expression nodes visited), and how deep it may nest.
const FUEL: u32 = 200_000;
const MAX_DEPTH: u32 = 96;

/// Evaluate an HCL expression (`cidrsubnet(var.vpc_cidr, 10, 12)`).
pub fn eval_expression(text: &str, env: &dyn Env) -> Val {
    match text.parse::<Expression>() {
        Ok(e) => Evaluator::new(env, text).eval(&e),
        Err(err) => Val::error(text.trim(), format!("does not parse: {}", err.message())),
    }
}

/// Evaluate a template (`"web-${var.env}"`, or the whole `"${…}"` string a `.tf.json` value
/// holds). A template that is a single interpolation yields that value unconverted (a list stays
/// a list), as in Terraform.
pub fn eval_template(text: &str, env: &dyn Env) -> Val {
    match &*parse_template(text) {
        Ok(t) => Evaluator::new(env, text).template_value(t),
        Err(message) => Val::error(text, format!("does not parse: {message}")),
    }
}

/// A template as parsed, or the parser's message.
type Parsed = Rc<Result<Template, String>>;

thread_local! {
    /// Templates parsed on this thread while a [`ParseMemo`] is held, by their text.
    static PARSED: RefCell<Option<HashMap<Box<str>, Parsed>>> = const { RefCell::new(None) };
}

/// While held, each distinct template text is parsed once on this thread. Binding module calls
/// evaluates the same arguments, outputs and locals again on every pass until nothing changes,
/// and parsing was most of that work. Parsing is a pure function of the text, so a memo can
/// never give another result; it is dropped with the outermost guard, so that a long-lived
/// process keeps nothing between runs.
pub struct ParseMemo {
    outermost: bool,
}

impl ParseMemo {
    pub fn hold() -> ParseMemo {
        let outermost = PARSED.with(|p| {
            let mut p = p.borrow_mut();
            let outermost = p.is_none();
            if outermost {
                *p = Some(HashMap::new());
            }
            outermost
        });
        ParseMemo { outermost }
    }
}

impl Drop for ParseMemo {
    fn drop(&mut self) {
        if self.outermost {
            PARSED.with(|p| p.borrow_mut().take());
        }
    }
}

/// How many templates the memo of this thread holds (`None`: no memo is held).
#[cfg(test)]
pub(super) fn memo_len() -> Option<usize> {
    PARSED.with(|p| p.borrow().as_ref().map(HashMap::len))
}

fn parse_template(text: &str) -> Parsed {
    let parse = || {
        Rc::new(
            text.parse::<Template>()
                .map_err(|err| err.message().to_string()),
        )
    };
    PARSED.with(|p| {
        if let Some(hit) = p.borrow().as_ref().and_then(|m| m.get(text)) {
            return hit.clone();
        }
        let parsed = parse();
        if let Some(m) = p.borrow_mut().as_mut() {
            m.insert(text.into(), parsed.clone());
        }
        parsed
    })
}

pub(crate) struct Evaluator<'e> {
    env: &'e dyn Env,
    src: &'e str,
    /// Names bound by `for` expressions and directives, innermost last.
    pub(super) bound: Vec<(String, Val)>,
    pub(super) fuel: u32,
    depth: u32,
}

impl<'e> Evaluator<'e> {
    pub(crate) fn new(env: &'e dyn Env, src: &'e str) -> Self {
        Evaluator {
            env,
            src,
            bound: Vec::new(),
            fuel: FUEL,
            depth: 0,
        }
    }

    /// The source text of an expression, for messages.
    pub(crate) fn text(&self, e: &Expression) -> String {
        e.span()
            .and_then(|r| self.src.get(r))
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|| "expression".to_string())
    }

    pub(crate) fn eval(&mut self, e: &Expression) -> Val {
        if self.fuel == 0 {
            return Val::unknown(self.text(e), "evaluation budget exhausted");
        }
        if self.depth >= MAX_DEPTH {
            return Val::unknown(self.text(e), "expression nested too deeply");
        }
        self.fuel -= 1;
        self.depth += 1;
        let v = self.eval_inner(e);
        self.depth -= 1;
        v
    }

    fn eval_inner(&mut self, e: &Expression) -> Val {
        match e {
            Expression::Null(_) => Val::Null,
            Expression::Bool(b) => Val::Bool(*b.value()),
            Expression::Number(_) => {
                let text = self.text(e);
                match Num::parse(&text) {
                    Some(n) => Val::Num(n),
                    None => Val::unknown(text, "number beyond 64-bit precision"),
                }
            }
            Expression::String(s) => Val::str(s.value().as_str()),
            Expression::Array(a) => Val::List(a.iter().map(|x| self.eval(x)).collect()),
            Expression::Object(o) => {
                let mut m = BTreeMap::new();
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => i.value().as_str().to_string(),
                        ObjectKey::Expression(ke) => match self.eval(ke) {
                            u @ Val::Unknown(_) => return u,
                            kv => match kv.to_template_string() {
                                Some(s) => s,
                                None => {
                                    return Val::error(self.text(ke), "object key is not a string")
                                }
                            },
                        },
                    };
                    let val = self.eval(v.expr());
                    m.insert(key, val);
                }
                Val::Map(m)
            }
            Expression::StringTemplate(t) => self.template_string(t, &self.text(e)),
            Expression::HeredocTemplate(h) => {
                let text = self.text(e);
                self.template_string(&h.template, &text)
            }
            Expression::Parenthesis(p) => self.eval(p.inner()),
            Expression::Variable(v) => self.variable(v.value().as_str(), None, e),
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr);
                match cond {
                    Val::Bool(true) => self.eval(&c.true_expr),
                    Val::Bool(false) => self.eval(&c.false_expr),
                    Val::Unknown(u) if !u.error => {
                        let t = self.eval(&c.true_expr);
                        let f = self.eval(&c.false_expr);
                        if t.is_wholly_known() && t.tf_eq(&f) {
                            t
                        } else {
                            Val::Unknown(u)
                        }
                    }
                    u @ Val::Unknown(_) => u,
                    other => Val::error(
                        self.text(&c.cond_expr),
                        format!("condition is a {}, not a bool", other.type_name()),
                    ),
                }
            }
            Expression::FuncCall(f) => {
                let name = f.name.name.value().as_str();
                let text = self.text(e);
                if f.name.is_namespaced() {
                    return Val::unknown(text, format!("unsupported function {name}()"));
                }
                funcs::call(self, name, &f.args, &text)
            }
            Expression::Traversal(t) => self.traversal(t, e),
            Expression::UnaryOp(u) => {
                let v = self.eval(&u.expr);
                match (u.operator.value(), v) {
                    (_, v @ Val::Unknown(_)) => v,
                    (UnaryOperator::Neg, Val::Num(Num::Int(i))) => match i.checked_neg() {
                        Some(n) => Val::int(n),
                        None => Val::Num(Num::Float(-(i as f64))),
                    },
                    (UnaryOperator::Neg, Val::Num(Num::Float(f))) => Val::Num(Num::Float(-f)),
                    (UnaryOperator::Not, Val::Bool(b)) => Val::Bool(!b),
                    (op, v) => Val::error(
                        self.text(e),
                        format!(
                            "operator {} does not apply to a {}",
                            op.as_str(),
                            v.type_name()
                        ),
                    ),
                }
            }
            Expression::BinaryOp(b) => {
                let op = *b.operator.value();
                let l = self.eval(&b.lhs_expr);
                // `&&` and `||` with a decisive known operand do not need the other one.
                match (op, &l) {
                    (BinaryOperator::And, Val::Bool(false)) => return Val::Bool(false),
                    (BinaryOperator::Or, Val::Bool(true)) => return Val::Bool(true),
                    _ => {}
                }
                let r = self.eval(&b.rhs_expr);
                binary(op, l, r, &self.text(e))
            }
            Expression::ForExpr(f) => self.for_expr(f, e),
        }
    }

    fn lookup_bound(&self, name: &str) -> Option<&Val> {
        self.bound
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// A bare name (`each`, a `for` variable) or a namespace followed by `.attr`.
    fn variable(&mut self, name: &str, attr: Option<&str>, e: &Expression) -> Val {
        if let Some(v) = self.lookup_bound(name) {
            return v.clone();
        }
        let Some(attr) = attr else {
            return Val::unknown(self.text(e), format!("unknown name `{name}`"));
        };
        let what = format!("{name}.{attr}");
        match self.env.get(name, attr) {
            Some(v) => v,
            None => Val::unknown(
                what.clone(),
                match name {
                    "var" => format!("no value for variable \"{attr}\""),
                    "local" => format!("no local value \"{attr}\""),
                    "module" => format!("outputs of module \"{attr}\" are not evaluated"),
                    "each" | "count" => {
                        format!("`{what}` has a value only per instance of a resource with count/for_each")
                    }
                    "path" | "terraform" => format!("`{what}` is not evaluated statically"),
                    _ => format!("`{what}` is known only after apply"),
                },
            ),
        }
    }

    fn traversal(&mut self, t: &Traversal, whole: &Expression) -> Val {
        let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
        let mut rest: &[&TraversalOperator] = &ops;
        let mut cur = match (&t.expr, ops.first()) {
            (Expression::Variable(v), Some(TraversalOperator::GetAttr(a)))
                if self.lookup_bound(v.value().as_str()).is_none() =>
            {
                let ns = v.value().as_str();
                let attr = a.value().as_str();
                rest = &ops[1..];
                if ns == "data" {
                    // data.TYPE.NAME
                    match rest.first() {
                        Some(TraversalOperator::GetAttr(n)) => {
                            let name = n.value().as_str();
                            rest = &rest[1..];
                            self.env.data(attr, name).unwrap_or_else(|| {
                                Val::unknown(
                                    format!("data.{attr}.{name}"),
                                    "data sources are read only during plan",
                                )
                            })
                        }
                        _ => return Val::unknown(self.text(whole), "incomplete data reference"),
                    }
                } else if is_namespace(ns) {
                    self.variable(ns, Some(attr), whole)
                } else {
                    // TYPE.NAME.ATTR of a managed resource.
                    match rest.first() {
                        Some(TraversalOperator::GetAttr(a2)) => {
                            let a2 = a2.value().as_str();
                            rest = &rest[1..];
                            self.env.resource(ns, attr, a2).unwrap_or_else(|| {
                                Val::unknown(format!("{ns}.{attr}.{a2}"), "known only after apply")
                            })
                        }
                        _ => {
                            return Val::unknown(
                                self.text(whole),
                                "a whole resource object is not evaluated",
                            )
                        }
                    }
                }
            }
            (e, _) => self.eval(e),
        };
        let text = self.text(whole);
        while let Some((op, tail)) = rest.split_first() {
            rest = tail;
            if cur.is_unknown() {
                return cur;
            }
            match op {
                TraversalOperator::GetAttr(a) => cur = get_attr(cur, a.value().as_str(), &text),
                TraversalOperator::LegacyIndex(i) => {
                    cur = index(cur, Val::int(*i.value() as i64), &text)
                }
                TraversalOperator::Index(ie) => {
                    let k = self.eval(ie);
                    if k.is_unknown() {
                        return k;
                    }
                    cur = index(cur, k, &text);
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let items = match cur {
                        Val::Null => Vec::new(),
                        Val::List(v) => v,
                        other => vec![other],
                    };
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        let mut v = item;
                        for op in rest.iter() {
                            if v.is_unknown() {
                                break;
                            }
                            v = match op {
                                TraversalOperator::GetAttr(a) => {
                                    get_attr(v, a.value().as_str(), &text)
                                }
                                TraversalOperator::LegacyIndex(i) => {
                                    index(v, Val::int(*i.value() as i64), &text)
                                }
                                TraversalOperator::Index(ie) => {
                                    let k = self.eval(ie);
                                    if k.is_unknown() {
                                        k
                                    } else {
                                        index(v, k, &text)
                                    }
                                }
                                _ => Val::unknown(text.clone(), "nested splat is not evaluated"),
                            };
                        }
                        out.push(v);
                    }
                    return Val::List(out);
                }
            }
        }
        cur
    }

    fn for_expr(&mut self, f: &ForExpr, whole: &Expression) -> Val {
        let coll = self.eval(&f.intro.collection_expr);
        let pairs = match coll.iteration_pairs(&self.text(&f.intro.collection_expr)) {
            Ok(p) => p,
            Err(v) => return v,
        };
        let kname = f
            .intro
            .key_var
            .as_ref()
            .map(|k| k.value().as_str().to_string());
        let vname = f.intro.value_var.value().as_str().to_string();
        let mut list = Vec::new();
        let mut map: BTreeMap<String, Val> = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<Val>> = BTreeMap::new();
        let text = self.text(whole);
        for (k, v) in pairs {
            let mark = self.bound.len();
            if let Some(kn) = &kname {
                self.bound.push((kn.clone(), k));
            }
            self.bound.push((vname.clone(), v));
            let r = self.for_item(f, &text);
            self.bound.truncate(mark);
            match r {
                Err(u) => return u,
                Ok(None) => {}
                Ok(Some((None, val))) => list.push(val),
                Ok(Some((Some(key), val))) => {
                    if f.grouping {
                        groups.entry(key).or_default().push(val);
                    } else if map.insert(key.clone(), val).is_some() {
                        return Val::error(text, format!("duplicate object key \"{key}\""));
                    }
                }
            }
        }
        if f.key_expr.is_none() {
            Val::List(list)
        } else if f.grouping {
            Val::Map(groups.into_iter().map(|(k, v)| (k, Val::List(v))).collect())
        } else {
            Val::Map(map)
        }
    }

    /// One iteration: `None` when the `if` clause drops the element.
    #[allow(clippy::type_complexity)]
    fn for_item(&mut self, f: &ForExpr, text: &str) -> Result<Option<(Option<String>, Val)>, Val> {
        if let Some(c) = &f.cond {
            match self.eval(&c.expr) {
                Val::Bool(true) => {}
                Val::Bool(false) => return Ok(None),
                u @ Val::Unknown(_) => return Err(u),
                other => {
                    return Err(Val::error(
                        text,
                        format!("`if` clause is a {}, not a bool", other.type_name()),
                    ))
                }
            }
        }
        let key = match &f.key_expr {
            None => None,
            Some(ke) => match self.eval(ke) {
                u @ Val::Unknown(_) => return Err(u),
                kv => match kv.to_template_string() {
                    Some(s) => Some(s),
                    None => return Err(Val::error(text, "object key is not a string")),
                },
            },
        };
        Ok(Some((key, self.eval(&f.value_expr))))
    }
}

/// The reference namespaces that are not resource types.
fn is_namespace(ns: &str) -> bool {
    matches!(
        ns,
        "var" | "local" | "module" | "each" | "count" | "path" | "terraform" | "self"
    )
}

fn get_attr(v: Val, attr: &str, text: &str) -> Val {
    match v {
        Val::Map(mut m) => match m.remove(attr) {
            Some(x) => x,
            None => Val::error(text, format!("no attribute or key \"{attr}\"")),
        },
        Val::Null => Val::error(text, format!("attribute \"{attr}\" of a null value")),
        other => Val::error(
            text,
            format!("a {} has no attribute \"{attr}\"", other.type_name()),
        ),
    }
}

pub(crate) fn index(v: Val, k: Val, text: &str) -> Val {
    match v {
        Val::List(mut items) => match k.as_i64() {
            Some(i) if i >= 0 && (i as usize) < items.len() => items.swap_remove(i as usize),
            Some(i) => Val::error(
                text,
                format!("index {i} out of range for a list of {}", items.len()),
            ),
            None => Val::error(text, "list index is not a whole number"),
        },
        Val::Map(mut m) => match k.to_template_string() {
            Some(key) => match m.remove(&key) {
                Some(x) => x,
                None => Val::error(text, format!("no key \"{key}\"")),
            },
            None => Val::error(text, "map key is not a string"),
        },
        Val::Null => Val::error(text, "index into a null value"),
        other => Val::error(text, format!("cannot index a {}", other.type_name())),
    }
}

fn arith(op: BinaryOperator, a: Num, b: Num) -> Option<Num> {
    use BinaryOperator as B;
    if let (Num::Int(x), Num::Int(y)) = (a, b) {
        let exact = match op {
            B::Plus => x.checked_add(y),
            B::Minus => x.checked_sub(y),
            B::Mul => x.checked_mul(y),
            B::Div if y != 0 && x.checked_rem(y) == Some(0) => x.checked_div(y),
            B::Mod if y != 0 => x.checked_rem(y),
            _ => None,
        };
        match exact {
            Some(r) => return Some(Num::Int(r)),
            // Terraform's numbers are arbitrary precision: an integer result beyond 64 bits is
            // not approximated.
            None if matches!(op, B::Plus | B::Minus | B::Mul) => return None,
            None => {}
        }
    }
    let (x, y) = (a.as_f64(), b.as_f64());
    let r = match op {
        B::Plus => x + y,
        B::Minus => x - y,
        B::Mul => x * y,
        B::Div if y != 0.0 => x / y,
        B::Mod if y != 0.0 => x % y,
        _ => return None,
    };
    r.is_finite().then(|| Num::from_f64(r))
}

fn binary(op: BinaryOperator, l: Val, r: Val, text: &str) -> Val {
    use BinaryOperator as B;
    if matches!(op, B::Eq | B::NotEq) {
        if let Some(u) = l.first_unknown().or(r.first_unknown()) {
            return Val::Unknown(Box::new(u.clone()));
        }
        let eq = l.tf_eq(&r);
        return Val::Bool(if op == B::Eq { eq } else { !eq });
    }
    match (l, r) {
        (u @ Val::Unknown(_), _) | (_, u @ Val::Unknown(_)) => u,
        (Val::Bool(a), Val::Bool(b)) if matches!(op, B::And | B::Or) => {
            Val::Bool(if op == B::And { a && b } else { a || b })
        }
        (a, b) => {
            let (Some(x), Some(y)) = (to_num(&a), to_num(&b)) else {
                return Val::error(
                    text,
                    format!(
                        "operator {} does not apply to a {} and a {}",
                        op.as_str(),
                        a.type_name(),
                        b.type_name()
                    ),
                );
            };
            match op {
                B::Less => Val::Bool(x.as_f64() < y.as_f64()),
                B::LessEq => Val::Bool(x.as_f64() <= y.as_f64()),
                B::Greater => Val::Bool(x.as_f64() > y.as_f64()),
                B::GreaterEq => Val::Bool(x.as_f64() >= y.as_f64()),
                _ => match arith(op, x, y) {
                    Some(n) => Val::Num(n),
                    None if matches!(op, B::Div | B::Mod) && y.as_f64() == 0.0 => {
                        Val::error(text, "division by zero")
                    }
                    None => Val::unknown(text, "arithmetic out of range"),
                },
            }
        }
    }
}

/// Numbers, and strings holding numbers (Terraform converts them for arithmetic).
pub(crate) fn to_num(v: &Val) -> Option<Num> {
    match v {
        Val::Num(n) => Some(*n),
        Val::Str(s) => Num::parse(s),
        _ => None,
    }
}
