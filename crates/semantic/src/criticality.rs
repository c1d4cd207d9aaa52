//! The criticality / production model of catalog §0.4, configured by `[criticality]`.
//!
//! * `non-critical` selectors win over everything.
//! * `critical` selectors make a workload critical (explicit).
//! * Otherwise the default heuristic: `critical = production && serves_traffic` when
//!   `production-serving-is-critical` (the default).
//!
//! Production evidence: `production.name-regex` on the cluster, service, namespace or workload
//! name and on the file path; `production.env-vars` on the containers' environment (values
//! compare case-insensitively); `production.tags` on the service, its cluster, its task
//! definitions and the provider's `default_tags` (for Kubernetes: on the workload's, pod
//! template's and namespace's labels), keys and values compared case-insensitively.
//!
//! Serving traffic: on ECS a `load_balancer`, `service_registries` or enabled
//! `service_connect_configuration` block; on Kubernetes a `Service` of the same namespace whose
//! selector matches the pod labels and that is `type: LoadBalancer`, an `Ingress` backend or the
//! `serviceRef` of a `TargetGroupBinding`.
//!
//! [`Criticality::reason`] is meant for messages and notes:
//! "critical: cluster `prod-cluster`, ENV=production, load balancer".

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use regex::Regex;

use lint_engine::config::{Config, CriticalSelector};
use lint_engine::doc::{Node, Value};
use lint_engine::model::ecs_service::{tags_of, EcsService};
use lint_engine::model::{K8sObject, Model, Workload};

/// How critical a workload is, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criticality {
    pub critical: bool,
    pub production: bool,
    /// The workload receives traffic (what the default heuristic needs).
    pub serves_traffic: bool,
    /// `Some(true)`: an explicit `critical` selector matched; `Some(false)`: `non-critical`.
    pub explicit: Option<bool>,
    /// Human-readable evidence, e.g. "critical: cluster `prod-cluster`, ENV=production,
    /// load balancer".
    pub reason: String,
}

thread_local! {
    /// The patterns this thread has matched, compiled once per process
    /// ([`lint_engine::config::compiled_regex`]) and looked up here without a lock.
    static REGEX_CACHE: RefCell<HashMap<String, Option<Regex>>> = RefCell::new(HashMap::new());
}

fn regex_matches(pattern: &str, text: &str) -> bool {
    REGEX_CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if let Some(re) = c.get(pattern) {
            return re.as_ref().is_some_and(|re| re.is_match(text));
        }
        let re = lint_engine::config::compiled_regex(pattern).ok();
        let found = re.as_ref().is_some_and(|re| re.is_match(text));
        c.insert(pattern.to_string(), re);
        found
    })
}

/// Glob match (`payments-*`); an invalid glob matches only itself.
///
/// Each pattern is compiled once per process (a compiled glob is a regular expression, a few
/// hundred microseconds to build) and looked up once per thread without a lock: the patterns
/// come from the configuration and are matched against every service and workload of the run.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    use std::cell::RefCell;
    use std::collections::HashMap;
    type Compiled = HashMap<String, Option<globset::GlobMatcher>>;
    static SHARED: std::sync::Mutex<Option<Compiled>> = std::sync::Mutex::new(None);
    thread_local! {
        static COMPILED: RefCell<Compiled> = RefCell::new(HashMap::new());
    }
    COMPILED.with(|c| {
        let mut c = c.borrow_mut();
        if !c.contains_key(pattern) {
            let mut shared = SHARED
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let m = shared
                .get_or_insert_with(Compiled::new)
                .entry(pattern.to_string())
                .or_insert_with(|| {
                    globset::Glob::new(pattern)
                        .ok()
                        .map(|g| g.compile_matcher())
                })
                .clone();
            c.insert(pattern.to_string(), m);
        }
        match c.get(pattern) {
            Some(Some(m)) => m.is_match(text),
            _ => pattern == text,
        }
    })
}

fn first_glob<'c>(patterns: &'c [String], text: &str) -> Option<&'c str> {
    patterns
        .iter()
        .find(|p| glob_matches(p, text))
        .map(String::as_str)
}

/// The first `(key, value)` of `pairs` accepted by `wanted` (key → accepted values).
fn match_pairs(
    wanted: &BTreeMap<String, Vec<String>>,
    pairs: &[(&str, &str)],
    ci_keys: bool,
) -> Option<String> {
    for (k, v) in pairs {
        for (wk, wv) in wanted {
            let key_ok = if ci_keys {
                wk.eq_ignore_ascii_case(k)
            } else {
                wk == k
            };
            if key_ok && wv.iter().any(|x| x.eq_ignore_ascii_case(v)) {
                return Some(format!("{k}={v}"));
            }
        }
    }
    None
}

fn join_reason(prefix: &str, items: &[String]) -> String {
    if items.is_empty() {
        prefix.to_string()
    } else {
        format!("{prefix}: {}", items.join(", "))
    }
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

fn decide(
    cfg: &Config,
    non_critical: Option<String>,
    critical: Option<String>,
    production: Vec<String>,
    traffic: Option<String>,
) -> Criticality {
    let serves_traffic = traffic.is_some();
    let is_prod = !production.is_empty();
    if let Some(why) = non_critical {
        return Criticality {
            critical: false,
            production: is_prod,
            serves_traffic,
            explicit: Some(false),
            reason: format!("not critical: {why}"),
        };
    }
    if let Some(why) = critical {
        return Criticality {
            critical: true,
            production: is_prod,
            serves_traffic,
            explicit: Some(true),
            reason: format!("critical: {why}"),
        };
    }
    let mut ev = production;
    let critical = is_prod && serves_traffic && cfg.criticality.production_serving_is_critical;
    let reason = match (is_prod, traffic) {
        (true, Some(t)) if critical => {
            ev.push(t);
            join_reason("critical", &ev)
        }
        (true, Some(t)) => {
            ev.push(t);
            join_reason("production", &ev)
                + " (`criticality.production-serving-is-critical` is off)"
        }
        (true, None) => join_reason("production", &ev) + ", serves no traffic",
        (false, _) => "not production".to_string(),
    };
    Criticality {
        critical,
        production: is_prod,
        serves_traffic,
        explicit: None,
        reason,
    }
}

fn explicit_ecs(
    sel: &CriticalSelector,
    name: Option<&str>,
    tags: &[(&str, &str)],
) -> Option<String> {
    if let Some(g) = name.and_then(|n| first_glob(&sel.ecs_services, n)) {
        return Some(format!("service name matches `{g}`"));
    }
    match_pairs(&sel.ecs_tags, tags, false).map(|t| format!("tag {t}"))
}

/// Environment `name=value` pairs of ECS containers (`environment: [{name, value}]`) or
/// Kubernetes containers (`env: [{name, value}]`).
fn env_pairs<'n>(containers: impl Iterator<Item = &'n Node>, key: &str) -> Vec<(&'n str, &'n str)> {
    let mut out = Vec::new();
    for c in containers {
        for e in c.get(key).and_then(Node::as_seq).unwrap_or(&[]) {
            if let (Some(n), Some(v)) = (
                e.get("name").and_then(Node::as_str),
                e.get("value").and_then(Node::as_str),
            ) {
                out.push((n, v));
            }
        }
    }
    out
}

/// Criticality of an ECS service.
pub fn ecs_service_criticality(
    model: &Model<'_>,
    cfg: &Config,
    svc: &EcsService<'_, '_>,
) -> Criticality {
    let c = &cfg.criticality;
    let name = svc.name();
    let mut tags = svc.tags();
    let cluster = svc.cluster(model);
    let tds = svc.task_definitions(model).task_defs;

    let non = explicit_ecs(&c.non_critical, name, &tags);
    let crit = explicit_ecs(&c.critical, name, &tags);

    let mut prod = Vec::new();
    let re = &c.production.name_regex;
    if let Some(cn) = cluster.name.as_deref().filter(|n| regex_matches(re, n)) {
        push_unique(&mut prod, format!("cluster `{cn}`"));
    }
    if let Some(n) = name.filter(|n| regex_matches(re, n)) {
        push_unique(&mut prod, format!("service `{n}`"));
    }
    let fname = &model.file(svc.resource.file).name;
    if regex_matches(re, fname) {
        push_unique(&mut prod, format!("path `{fname}`"));
    }
    let containers = tds
        .iter()
        .flat_map(|t| t.containers().iter().map(|c| c.node));
    if let Some(e) = match_pairs(
        &c.production.env_vars,
        &env_pairs(containers, "environment"),
        false,
    ) {
        push_unique(&mut prod, e);
    }
    if let Some(cr) = cluster.resource {
        tags.extend(tags_of(cr));
    }
    for td in &tds {
        if let Some(i) = td.terraform_index() {
            if let Some(r) = model.tf.get(i) {
                tags.extend(tags_of(r));
            }
        }
    }
    for p in model.tf_providers_in(&svc.resource.dir) {
        if p.name == "aws" {
            if let Some(Value::Map(ms)) = p
                .attr("default_tags")
                .and_then(|d| d.blocks().next())
                .and_then(|d| d.get("tags"))
                .map(|n| &n.value)
            {
                for m in ms {
                    if let Some(v) = m.value.as_str() {
                        tags.push((m.key.as_str(), v));
                    }
                }
            }
        }
    }
    if let Some(t) = match_pairs(&c.production.tags, &tags, true) {
        push_unique(&mut prod, format!("tag {t}"));
    }
    decide(
        cfg,
        non,
        crit,
        prod,
        svc.serves_traffic().map(str::to_string),
    )
}

/// `(key, value)` string pairs of a label map.
fn label_pairs(n: Option<&Node>) -> Vec<(&str, &str)> {
    n.and_then(Node::as_map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|m| m.value.as_str().map(|v| (m.key.as_str(), v)))
        .collect()
}

/// The `Namespace` object named `ns`, if it is in the inputs.
pub fn namespace_object<'m, 'a>(model: &'m Model<'a>, ns: &str) -> Option<&'m K8sObject<'a>> {
    model.k8s_named("Namespace", ns).next()
}

/// True when every `selector` pair is in `labels` (an empty selector selects nothing here).
pub fn selector_matches(selector: Option<&Node>, labels: Option<&Node>) -> bool {
    let sel = label_pairs(selector);
    let labels = label_pairs(labels);
    !sel.is_empty() && sel.iter().all(|p| labels.contains(p))
}

/// Services of the workload's namespace whose `spec.selector` matches its pod labels.
pub fn services_selecting<'m, 'a>(
    model: &'m Model<'a>,
    w: &Workload<'a>,
) -> Vec<&'m K8sObject<'a>> {
    let Some(obj) = model.k8s.get(w.object) else {
        return Vec::new();
    };
    let ns = obj.namespace_or_default();
    model
        .k8s_in_namespace("Service", ns)
        .filter(|s| selector_matches(s.node.path(&["spec", "selector"]), w.pod_labels))
        .collect()
}

/// Service names an Ingress routes to (networking.k8s.io/v1 and the older `serviceName`).
pub fn ingress_backends<'a>(ing: &K8sObject<'a>) -> Vec<&'a str> {
    let mut out = Vec::new();
    let backend = |b: &'a Node, out: &mut Vec<&'a str>| {
        if let Some(n) = b
            .path(&["service", "name"])
            .or_else(|| b.get("serviceName"))
            .and_then(Node::as_str)
        {
            out.push(n);
        }
    };
    if let Some(spec) = ing.node.get("spec") {
        for k in ["defaultBackend", "backend"] {
            if let Some(b) = spec.get(k) {
                backend(b, &mut out);
            }
        }
        for r in spec.get("rules").and_then(Node::as_seq).unwrap_or(&[]) {
            for p in r
                .path(&["http", "paths"])
                .and_then(Node::as_seq)
                .unwrap_or(&[])
            {
                if let Some(b) = p.get("backend") {
                    backend(b, &mut out);
                }
            }
        }
    }
    out
}

/// Why a Service exposes traffic from outside: `Service `x` type LoadBalancer`, an Ingress or a
/// TargetGroupBinding in the same namespace.
pub fn service_exposure(model: &Model<'_>, svc: &K8sObject<'_>) -> Option<String> {
    let name = svc.name?;
    let ns = svc.namespace_or_default();
    if svc.node.path(&["spec", "type"]).and_then(Node::as_str) == Some("LoadBalancer") {
        return Some(format!("Service `{name}` type LoadBalancer"));
    }
    for ing in model.k8s_in_namespace("Ingress", ns) {
        if ingress_backends(ing).contains(&name) {
            return Some(format!("Ingress `{}` backend", ing.name.unwrap_or("?")));
        }
    }
    for tgb in model.k8s_in_namespace("TargetGroupBinding", ns) {
        if tgb
            .node
            .path(&["spec", "serviceRef", "name"])
            .and_then(Node::as_str)
            == Some(name)
        {
            return Some(format!("TargetGroupBinding `{}`", tgb.name.unwrap_or("?")));
        }
    }
    None
}

fn explicit_k8s(
    sel: &CriticalSelector,
    labels: &[(&str, &str)],
    ns: &str,
    priority_class: Option<&str>,
) -> Option<String> {
    if let Some(l) = match_pairs(&sel.k8s_labels, labels, false) {
        return Some(format!("label {l}"));
    }
    if let Some(g) = first_glob(&sel.namespaces, ns) {
        return Some(format!("namespace `{ns}` matches `{g}`"));
    }
    if let Some(pc) = priority_class.filter(|pc| sel.priority_classes.iter().any(|p| p == pc)) {
        return Some(format!("priorityClassName `{pc}`"));
    }
    None
}

/// Criticality of a Kubernetes workload.
pub fn workload_criticality(model: &Model<'_>, cfg: &Config, w: &Workload<'_>) -> Criticality {
    let c = &cfg.criticality;
    let Some(obj) = model.k8s.get(w.object) else {
        return decide(cfg, None, None, Vec::new(), None);
    };
    // A document without a namespace is in `k8s.default-namespace` when that is set.
    let ns = obj
        .namespace
        .or(cfg.k8s.default_namespace.as_deref())
        .unwrap_or("default");
    let ns_obj = namespace_object(model, ns);
    let mut labels = label_pairs(obj.node.path(&["metadata", "labels"]));
    labels.extend(label_pairs(w.pod_labels));
    if let Some(n) = ns_obj {
        labels.extend(label_pairs(n.node.path(&["metadata", "labels"])));
    }
    let pc = w.pod_spec.get("priorityClassName").and_then(Node::as_str);
    let non = explicit_k8s(&c.non_critical, &labels, ns, pc);
    let crit = explicit_k8s(&c.critical, &labels, ns, pc);

    let mut prod = Vec::new();
    let re = &c.production.name_regex;
    if regex_matches(re, ns) {
        push_unique(&mut prod, format!("namespace `{ns}`"));
    }
    if let Some(n) = obj.name.filter(|n| regex_matches(re, n)) {
        push_unique(&mut prod, format!("{} `{n}`", obj.kind));
    }
    let fname = &model.file(obj.file).name;
    if regex_matches(re, fname) {
        push_unique(&mut prod, format!("path `{fname}`"));
    }
    let containers = w.containers.iter().map(|c| c.node);
    if let Some(e) = match_pairs(&c.production.env_vars, &env_pairs(containers, "env"), false) {
        push_unique(&mut prod, e);
    }
    if let Some(t) = match_pairs(&c.production.tags, &labels, true) {
        push_unique(&mut prod, format!("label {t}"));
    }
    let traffic = services_selecting(model, w)
        .into_iter()
        .find_map(|s| service_exposure(model, s));
    decide(cfg, non, crit, prod, traffic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_regex() {
        let re = lint_engine::config::DEFAULT_PRODUCTION_REGEX;
        for yes in [
            "prod-cluster",
            "api-prd",
            "envs/production/main.tf.json",
            "prod",
        ] {
            assert!(regex_matches(re, yes), "{yes}");
        }
        for no in ["product-api", "reproduce", "preprod2"] {
            assert!(!regex_matches(re, no), "{no}");
        }
        assert!(glob_matches("payments-*", "payments-api"));
        assert!(!glob_matches("payments-*", "orders"));
    }
}
