//! The model as JSON, with a pointer for every node: what rule plugins read on standard input
//! (`schemas/plugin-request-v1.json`) and what `cutover dump-model --format json` prints.
//!
//! Every document is sent as plain JSON (`value`), so a plugin reads it with its language's own
//! JSON library. A string that holds a JSON document (Terraform `container_definitions`, IAM
//! policies) is replaced by that document, so a pointer such as
//! `/resource/aws_ecs_task_definition/app/container_definitions/0/image` reaches into it, exactly as
//! [`Node::pointer`] does on the host. `nodes` maps the pointer of every node to its byte span, and
//! the typed views of the model (task definitions, Kubernetes objects and workloads, Terraform
//! resources) are given as pointers into those documents.

use std::collections::HashMap;

use serde_json::{json, Map, Number, Value as Json};

use lint_engine::doc::{push_pointer_token, Embedded, Node, Value};
use lint_engine::model::{TaskDefOrigin, TfMode, TfOrigin};
use lint_engine::{FileId, Model};

/// Where a node is: (file, document index, pointer).
type Place = (FileId, usize, String);

/// Pointers of every node of every document, keyed by the node's address.
struct Places {
    by_node: HashMap<*const Node, Place>,
}

impl Places {
    fn get(&self, n: &Node) -> Option<&Place> {
        self.by_node.get(&(n as *const Node))
    }
}

/// A JSON number from the text the loader kept: integers stay exact, YAML hex/octal are decoded,
/// anything JSON cannot hold (`.inf`, huge exponents) is sent as a string.
fn number(text: &str) -> Json {
    let t = text.trim_start_matches('+');
    if let Ok(i) = t.parse::<i64>() {
        return Json::Number(i.into());
    }
    if let Ok(u) = t.parse::<u64>() {
        return Json::Number(u.into());
    }
    let radix = |p: &str, r| {
        t.strip_prefix(p)
            .and_then(|d| i64::from_str_radix(d, r).ok())
    };
    if let Some(i) = radix("0x", 16).or_else(|| radix("0o", 8)) {
        return Json::Number(i.into());
    }
    match t.parse::<f64>().ok().and_then(Number::from_f64) {
        Some(n) => Json::Number(n),
        None => Json::String(text.to_string()),
    }
}

struct DocOut<'p> {
    nodes: Map<String, Json>,
    embedded: Vec<Json>,
    places: &'p mut Places,
    file: FileId,
    doc: usize,
}

impl DocOut<'_> {
    /// Convert `n` (at pointer `ptr`) to JSON, recording spans and places on the way.
    fn convert(&mut self, n: &Node, ptr: &mut String) -> Json {
        self.places
            .by_node
            .insert(n as *const Node, (self.file, self.doc, ptr.clone()));
        self.nodes
            .insert(ptr.clone(), json!([n.span.start, n.span.end]));
        if let Some(Embedded::Doc(inner)) = n.embedded() {
            self.embedded.push(Json::String(ptr.clone()));
            // The embedded root shares the pointer of the string that holds it; its span (the
            // string's content) is recorded under the same key only through the string.
            return self.convert_children(inner, ptr);
        }
        self.convert_children(n, ptr)
    }

    fn convert_children(&mut self, n: &Node, ptr: &mut String) -> Json {
        self.places
            .by_node
            .entry(n as *const Node)
            .or_insert_with(|| (self.file, self.doc, ptr.clone()));
        let len = ptr.len();
        match &n.value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(s) => number(s),
            Value::Str(s) => Json::String(s.to_string()),
            Value::Embedding(e) => Json::String(e.text.to_string()),
            Value::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, it) in items.iter().enumerate() {
                    ptr.push('/');
                    ptr.push_str(&i.to_string());
                    out.push(self.convert(it, ptr));
                    ptr.truncate(len);
                }
                Json::Array(out)
            }
            Value::Map(members) => {
                let mut out = Map::new();
                for m in members {
                    ptr.push('/');
                    push_pointer_token(ptr, &m.key);
                    // Duplicate keys: the last one wins, as in `Node::member`.
                    let v = self.convert(&m.value, ptr);
                    out.insert(m.key.to_string(), v);
                    ptr.truncate(len);
                }
                Json::Object(out)
            }
        }
    }
}

fn place_json(model: &Model<'_>, p: Option<&Place>) -> Option<(String, usize, String)> {
    let (file, doc, ptr) = p?;
    Some((model.db.get(*file).name.clone(), *doc, ptr.clone()))
}

fn reference(model: &Model<'_>, places: &Places, n: &Node) -> Map<String, Json> {
    let mut m = Map::new();
    if let Some((file, doc, ptr)) = place_json(model, places.get(n)) {
        m.insert("file".into(), Json::String(file));
        m.insert("document".into(), json!(doc));
        m.insert("pointer".into(), Json::String(ptr));
    }
    m
}

fn pointer_of(places: &Places, n: &Node) -> Json {
    places
        .get(n)
        .map(|(_, _, p)| Json::String(p.clone()))
        .unwrap_or(Json::Null)
}

/// The files of the run and the typed views of the model, as the `files` and `model` members of
/// a plugin request.
pub fn files_and_model(model: &Model<'_>) -> (Json, Json) {
    let mut places = Places {
        by_node: HashMap::new(),
    };
    let mut files = Vec::with_capacity(model.db.files.len());
    for f in model.db.iter() {
        let mut docs = Vec::with_capacity(f.docs.len());
        for (i, d) in f.docs.iter().enumerate() {
            let mut out = DocOut {
                nodes: Map::new(),
                embedded: Vec::new(),
                places: &mut places,
                file: f.id,
                doc: i,
            };
            let mut ptr = String::new();
            let value = out.convert(d, &mut ptr);
            docs.push(json!({
                "index": i,
                "value": value,
                "nodes": Json::Object(out.nodes),
                "embedded": out.embedded,
            }));
        }
        files.push(json!({"path": f.name, "kind": f.kind.as_str(), "documents": docs}));
    }

    let task_definitions: Vec<Json> = model
        .task_defs
        .iter()
        .map(|td| {
            let mut m = reference(model, &places, td.node);
            m.insert(
                "origin".into(),
                json!(match td.origin {
                    TaskDefOrigin::File => "file",
                    TaskDefOrigin::Terraform(_) => "terraform",
                }),
            );
            m.insert("logical".into(), json!(td.logical));
            let containers: Vec<Json> = td
                .containers()
                .iter()
                .map(|c| json!({"name": c.name, "pointer": pointer_of(&places, c.node)}))
                .collect();
            m.insert("containers".into(), Json::Array(containers));
            Json::Object(m)
        })
        .collect();
    let k8s_objects: Vec<Json> = model
        .k8s
        .iter()
        .map(|o| {
            let mut m = reference(model, &places, o.node);
            m.insert("api_version".into(), json!(o.api_version));
            m.insert("kind".into(), json!(o.kind));
            m.insert("name".into(), json!(o.name));
            m.insert("namespace".into(), json!(o.namespace));
            Json::Object(m)
        })
        .collect();
    let workloads: Vec<Json> = model
        .workloads
        .iter()
        .filter_map(|w| {
            let o = model.k8s.get(w.object)?;
            let mut m = reference(model, &places, o.node);
            m.insert("kind".into(), json!(w.kind));
            m.insert("logical".into(), json!(o.logical()));
            m.insert("pod_spec".into(), pointer_of(&places, w.pod_spec));
            let containers: Vec<Json> = w
                .init_containers
                .iter()
                .chain(&w.containers)
                .map(|c| {
                    json!({"name": c.name, "pointer": pointer_of(&places, c.node), "init": c.init})
                })
                .collect();
            m.insert("containers".into(), Json::Array(containers));
            Some(Json::Object(m))
        })
        .collect();
    let terraform_resources: Vec<Json> = model
        .tf
        .iter()
        .map(|r| {
            let mut m = reference(model, &places, r.values);
            m.insert("address".into(), json!(r.address));
            m.insert("type".into(), json!(r.rtype));
            m.insert("name".into(), json!(r.name));
            m.insert(
                "mode".into(),
                json!(match r.mode {
                    TfMode::Managed => "managed",
                    TfMode::Data => "data",
                }),
            );
            m.insert(
                "origin".into(),
                json!(match r.origin {
                    TfOrigin::Config => "config",
                    TfOrigin::Plan => "plan",
                }),
            );
            m.insert("module".into(), json!(r.module));
            Json::Object(m)
        })
        .collect();
    let model_json = json!({
        "task_definitions": task_definitions,
        "k8s_objects": k8s_objects,
        "workloads": workloads,
        "terraform_resources": terraform_resources,
    });
    (Json::Array(files), model_json)
}

/// What `cutover dump-model --format json` prints: a plugin request without the members that
/// name one plugin (`plugin`, `rules`, `options`).
pub fn dump(model: &Model<'_>) -> Json {
    let (files, model_json) = files_and_model(model);
    json!({
        "protocol": crate::plugin::protocol::PROTOCOL,
        "cutover_version": env!("CARGO_PKG_VERSION"),
        "files": files,
        "model": model_json,
    })
}

/// `cutover dump-model --format json [paths…]`: load like `check` and print [`dump`].
pub fn dump_command(
    paths: &[std::path::PathBuf],
    stdin_filename: Option<&std::path::Path>,
    exclude: &[String],
) -> std::process::ExitCode {
    use std::io::Write;
    use std::process::ExitCode;

    let globs = match lint_engine::discover::compile_excludes(exclude) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let (disk, memory) = match crate::pipeline::inputs(paths, stdin_filename) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let (files, walk_errors) = lint_engine::discover::discover(&disk, &globs);
    let mut outcome =
        lint_engine::runner::load_all(&files, memory, &lint_engine::load::Limits::default());
    outcome.errors.extend(walk_errors);
    let model = Model::build(&outcome.db);
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    let written = serde_json::to_writer_pretty(&mut w, &dump(&model))
        .map_err(std::io::Error::from)
        .and_then(|_| writeln!(w))
        .and_then(|_| w.flush());
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the model: {e}");
            return ExitCode::from(2);
        }
    }
    for e in &outcome.errors {
        eprintln!(
            "error: {}: {}",
            lint_engine::discover::display_name(&e.path),
            e.message
        );
    }
    if outcome.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(number("12"), json!(12));
        assert_eq!(number("0x1F"), json!(31));
        assert_eq!(number("1.5"), json!(1.5));
        assert_eq!(number(".inf"), json!(".inf"));
        assert_eq!(
            number("18446744073709551615"),
            json!(18446744073709551615u64)
        );
    }
}
