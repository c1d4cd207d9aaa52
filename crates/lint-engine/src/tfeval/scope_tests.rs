//! Scope tests: variables, tfvars precedence, locals and cycles, resource references,
//! `value_of` with provenance and multiplicity, end to end from `.tf.json` files.

use std::path::Path;

use super::scope::{ModuleScope, Multiplicity, TfEvalIndex, VarFile};
use super::Val;
use crate::doc::Node;
use crate::load::{self, json, Limits, Loaded};
use crate::model::Model;
use crate::shared::{FactContext, Shared};
use crate::source::{FileId, LineIndex, SourceDb, SourceFile};
use crate::Config;

fn db(files: &[(&str, &str)]) -> SourceDb {
    let mut db = SourceDb::default();
    for (name, text) in files {
        match load::load_bytes(Path::new(name), text.as_bytes(), &Limits::default()) {
            Loaded::File {
                path,
                text,
                encoding,
                kind,
                docs,
            } => db.files.push(SourceFile {
                id: FileId(db.files.len() as u32),
                name: name.to_string(),
                lines: LineIndex::new(&text),
                path,
                text,
                encoding,
                kind,
                docs,
            }),
            _ => panic!("{name} did not load"),
        }
    }
    db
}

fn tree(text: &str) -> Node {
    json::parse(text, 64).expect("test JSON parses")
}

const VARS: &str = r#"{
  "variable": {
    "vpc_cidr": {"default": "10.0.0.0/16"},
    "env": {"default": "dev"},
    "region": {},
    "azs": {"default": ["a", "b"]}
  }
}"#;

fn scope_with<'a>(
    configs: &[&'a Node],
    auto: &[VarFile<'_>],
    files: &[VarFile<'_>],
) -> ModuleScope<'a> {
    ModuleScope::build("m", configs, auto, files)
}

#[test]
fn defaults_then_tfvars_then_auto_tfvars_in_lexical_order_then_var_files() {
    let cfg = tree(VARS);
    let tfvars = tree(r#"{"env": "from-terraform.tfvars", "vpc_cidr": "10.1.0.0/16"}"#);
    let tfvars_json = tree(r#"{"env": "from-terraform.tfvars.json"}"#);
    let b_auto = tree(r#"{"env": "from-b.auto.tfvars", "region": "eu-west-1"}"#);
    let a_auto = tree(r#"{"env": "from-a.auto.tfvars.json"}"#);
    let cli = tree(r#"{"region": "us-east-1", "undeclared": 1}"#);
    // Given out of order: the scope sorts the automatic files by Terraform's precedence.
    let auto = [
        VarFile {
            name: "b.auto.tfvars",
            root: &b_auto,
        },
        VarFile {
            name: "terraform.tfvars.json",
            root: &tfvars_json,
        },
        VarFile {
            name: "a.auto.tfvars.json",
            root: &a_auto,
        },
        VarFile {
            name: "terraform.tfvars",
            root: &tfvars,
        },
    ];
    let s = scope_with(
        &[&cfg],
        &auto,
        &[VarFile {
            name: "prod.tfvars.json",
            root: &cli,
        }],
    );
    assert_eq!(s.vars["env"], Val::str("from-b.auto.tfvars"));
    assert_eq!(s.vars["vpc_cidr"], Val::str("10.1.0.0/16"));
    assert_eq!(s.vars["region"], Val::str("us-east-1"));
    assert!(!s.vars.contains_key("undeclared"));

    let only_defaults = scope_with(&[&cfg], &[], &[]);
    assert_eq!(only_defaults.vars["env"], Val::str("dev"));
    let region = only_defaults.vars["region"]
        .as_unknown()
        .cloned()
        .expect("unknown");
    assert_eq!(region.expr, "var.region");
    assert_eq!(
        region.reason,
        "variable \"region\" has no default and no value in a tfvars file"
    );
}

#[test]
fn json_tfvars_strings_are_literal_hcl_tfvars_strings_are_templates() {
    let cfg = tree(VARS);
    let hcl = tree(r#"{"env": "${upper(\"x\")}"}"#);
    let s = scope_with(
        &[&cfg],
        &[VarFile {
            name: "terraform.tfvars",
            root: &hcl,
        }],
        &[],
    );
    assert_eq!(s.vars["env"], Val::str("X"));
    let js = tree(r#"{"env": "${upper(\"x\")}"}"#);
    let s = scope_with(
        &[&cfg],
        &[VarFile {
            name: "terraform.tfvars.json",
            root: &js,
        }],
        &[],
    );
    assert_eq!(s.vars["env"], Val::str("${upper(\"x\")}"));
}

#[test]
fn locals_reference_each_other_in_any_order_and_cycles_are_unknown() {
    let cfg = tree(
        r#"{
      "variable": {"vpc_cidr": {"default": "10.40.0.0/16"}},
      "locals": [
        {"a": "${local.b}-a", "subnets": "${[for i in range(2) : i]}"},
        {"b": "${local.c}", "c": "${cidrsubnet(var.vpc_cidr, 10, 12)}",
         "x": "${local.y}", "y": "${local.x}"}
      ]
    }"#,
    );
    let s = scope_with(&[&cfg], &[], &[]);
    assert_eq!(s.locals["a"], Val::str("10.40.3.0/26-a"));
    assert_eq!(s.locals["c"], Val::str("10.40.3.0/26"));
    let x = s.locals["x"].as_unknown().expect("cycle is unknown");
    assert_eq!(x.expr, "local.x");
    assert_eq!(x.reason, "cycle: local.x → local.y → local.x");
    assert_eq!(
        s.locals["subnets"].as_unknown().map(|u| u.reason.as_str()),
        Some("unsupported function range()")
    );
}

const MAIN: &str = r#"{
  "variable": {"vpc_cidr": {"default": "10.40.0.0/16"}, "azs": {"default": ["a", "b", "c"]}},
  "locals": {"name": "web-${var.env}"},
  "resource": {
    "aws_vpc": {"main": {"cidr_block": "${var.vpc_cidr}"}},
    "aws_subnet": {
      "node": {"vpc_id": "${aws_vpc.main.id}", "cidr_block": "${cidrsubnet(aws_vpc.main.cidr_block, 10, 12)}"},
      "per_az": {"count": "${length(var.azs)}", "cidr_block": "${cidrsubnet(var.vpc_cidr, 8, count.index)}"},
      "each": {"for_each": "${toset([\"x\", \"y\", \"x\"])}", "cidr_block": "10.9.0.0/24"},
      "dyn": {"count": "${var.subnet_count}", "cidr_block": "10.8.0.0/24"}
    }
  }
}"#;

const VARS_TF: &str = r#"{"variable": {"env": {"default": "dev"}, "subnet_count": {}}}"#;

#[test]
fn value_of_resource_attributes_with_provenance_end_to_end() {
    let db = db(&[
        ("infra/main.tf.json", MAIN),
        ("infra/variables.tf.json", VARS_TF),
    ]);
    let model = Model::build(&db);
    let config = Config::default();
    let shared = Shared::default();
    let cx = FactContext::new(&model, &config, &shared);
    let eval = cx.get::<super::TfEval>();
    let node = model
        .tf_by_address("aws_subnet.node")
        .next()
        .expect("subnet in the model");
    let cidr = node.attr("cidr_block").expect("cidr_block");
    let got = eval.value_of(node.file, cidr);
    assert_eq!(got.value, Val::str("10.40.3.0/26"));
    assert_eq!(
        got.provenance.as_deref(),
        Some("10.40.3.0/26 = cidrsubnet(aws_vpc.main.cidr_block, 10, 12)")
    );
    // A computed attribute: unknown, saying why.
    let vpc_id = eval.value_of(node.file, node.attr("vpc_id").expect("vpc_id"));
    let u = vpc_id.value.as_unknown().expect("unknown");
    assert_eq!(
        (u.expr.as_str(), u.reason.as_str()),
        ("aws_vpc.main.id", "known only after apply")
    );
    assert_eq!(vpc_id.provenance, None);
    // A literal has no provenance.
    let each = model.tf_by_address("aws_subnet.each").next().expect("each");
    let lit = eval.value_of(each.file, each.attr("cidr_block").expect("cidr"));
    assert_eq!((lit.value, lit.provenance), (Val::str("10.9.0.0/24"), None));
    // Locals of one file see variables declared in another file of the same directory.
    let scope = eval.scope_of(node.file).expect("scope");
    assert_eq!(scope.locals["name"], Val::str("web-dev"));
}

#[test]
fn multiplicity_of_count_and_for_each() {
    let db = db(&[
        ("infra/main.tf.json", MAIN),
        ("infra/variables.tf.json", VARS_TF),
    ]);
    let model = Model::build(&db);
    let eval = TfEvalIndex::build(&model, &[]);
    let m = |addr: &str| {
        let r = model.tf_by_address(addr).next().expect("resource");
        eval.multiplicity(r)
    };
    assert_eq!(m("aws_subnet.node"), Multiplicity::Known(1));
    assert_eq!(m("aws_subnet.per_az"), Multiplicity::Known(3));
    assert_eq!(m("aws_subnet.each"), Multiplicity::Known(2));
    match m("aws_subnet.dyn") {
        Multiplicity::Unknown(u) => {
            assert_eq!(u.expr, "var.subnet_count");
            assert_eq!(
                u.reason,
                "variable \"subnet_count\" has no default and no value in a tfvars file"
            );
        }
        other => panic!("{other:?}"),
    }
    // The count instance binding: cidrsubnet(var.vpc_cidr, 8, count.index) for index 2.
    let r = model
        .tf_by_address("aws_subnet.per_az")
        .next()
        .expect("per_az");
    let scope = eval.scope_of(r.file).expect("scope");
    let v = scope.eval_instance(
        r.attr("cidr_block").expect("cidr"),
        &super::scope::Instance::Count(2),
    );
    assert_eq!(v, Val::str("10.40.2.0/24"));
    let got = eval.value_of_instance(
        r.file,
        r.attr("cidr_block").expect("cidr"),
        &super::scope::Instance::Count(1),
    );
    assert_eq!(
        got.provenance.as_deref(),
        Some("10.40.1.0/24 = cidrsubnet(var.vpc_cidr, 8, count.index)")
    );
    let without = eval.value_of(r.file, r.attr("cidr_block").expect("cidr"));
    assert_eq!(
        without.value.as_unknown().map(|u| u.expr.as_str()),
        Some("count.index")
    );
}

#[test]
fn var_files_apply_to_root_modules_not_to_local_child_modules() {
    let root = r#"{
      "variable": {"env": {"default": "dev"}},
      "module": {"net": {"source": "./modules/net", "cidr": "10.9.0.0/16"}}
    }"#;
    let child = r#"{"variable": {"env": {"default": "child-default"}, "cidr": {"default": "10.0.0.0/16"}},
      "locals": {"subnet": "${cidrsubnet(var.cidr, 8, 1)}", "name": "net-${var.env}"}}"#;
    let db = db(&[
        ("r/main.tf.json", root),
        ("r/modules/net/main.tf.json", child),
    ]);
    let model = Model::build(&db);
    let cli = tree(r#"{"env": "prod"}"#);
    let eval = TfEvalIndex::build(
        &model,
        &[VarFile {
            name: "prod.tfvars.json",
            root: &cli,
        }],
    );
    assert_eq!(
        eval.scope_of(FileId(0)).expect("root").vars["env"],
        Val::str("prod")
    );
    let child = eval.scope_of(FileId(1)).expect("child");
    // Not set by the call: the default.
    assert_eq!(child.vars["env"], Val::str("child-default"));
    assert_eq!(child.locals["name"], Val::str("net-child-default"));
    // Set by the call: the call's argument, never the default.
    assert_eq!(child.vars["cidr"], Val::str("10.9.0.0/16"));
    assert_eq!(child.locals["subnet"], Val::str("10.9.1.0/24"));
}

fn eval_of(db: &SourceDb) -> (Model<'_>, Vec<(String, FileId)>) {
    let model = Model::build(db);
    let ids = db.files.iter().map(|f| (f.name.clone(), f.id)).collect();
    (model, ids)
}

#[test]
fn module_arguments_come_from_the_caller_and_outputs_go_back() {
    let root = r#"{
      "variable": {"vpc_cidr": {"default": "10.40.0.0/16"}},
      "locals": {"app_subnet": "${module.net.subnet}", "both": "${module.net.all}"},
      "module": {"net": {"source": "./modules/net", "cidr": "${var.vpc_cidr}", "env": "prod"}}
    }"#;
    let child = r#"{"variable": {"cidr": {}, "env": {"default": "dev"}},
      "locals": {"subnet": "${cidrsubnet(var.cidr, 8, 3)}"},
      "output": {"subnet": {"value": "${local.subnet}"}, "all": {"value": ["${var.env}", "${local.subnet}"]}}}"#;
    let db = db(&[
        ("r/main.tf.json", root),
        ("r/modules/net/main.tf.json", child),
    ]);
    let (model, _) = eval_of(&db);
    let eval = TfEvalIndex::build(&model, &[]);
    let child = eval.scope_of(FileId(1)).expect("child");
    assert_eq!(child.vars["env"], Val::str("prod"));
    assert_eq!(child.locals["subnet"], Val::str("10.40.3.0/24"));
    let root = eval.scope_of(FileId(0)).expect("root");
    assert_eq!(root.locals["app_subnet"], Val::str("10.40.3.0/24"));
    assert_eq!(
        root.locals["both"],
        Val::List(vec![Val::str("prod"), Val::str("10.40.3.0/24")])
    );
}

#[test]
fn calls_that_disagree_leave_the_shared_child_variable_unknown() {
    let root = r#"{
      "module": {
        "a": {"source": "./modules/svc", "name": "api", "port": 80},
        "b": {"source": "./modules/svc/", "name": "web", "port": 80}
      },
      "locals": {"a_name": "${module.a.name}", "gone": "${module.missing.x}"}
    }"#;
    let root2 = r#"{"module": {"missing": {"source": "../nowhere"}}}"#;
    let child = r#"{"variable": {"name": {}, "port": {}, "cpu": {"default": 256}},
      "output": {"name": {"value": "${var.name}"}}}"#;
    let db = db(&[
        ("r/main.tf.json", root),
        ("r/more.tf.json", root2),
        ("r/modules/svc/main.tf.json", child),
    ]);
    let (model, _) = eval_of(&db);
    let eval = TfEvalIndex::build(&model, &[]);
    let child = eval.scope_of(FileId(2)).expect("child");
    assert_eq!(child.vars["port"], Val::int(80));
    assert_eq!(child.vars["cpu"], Val::int(256));
    let u = child.vars["name"].as_unknown().expect("differs");
    assert_eq!(
        u.reason,
        "the calls of this module disagree (`module.a` gives api, `module.b` gives web), and one module directory is evaluated once"
    );
    let root = eval.scope_of(FileId(0)).expect("root");
    assert_eq!(
        root.locals["a_name"].as_unknown().map(|u| u.expr.as_str()),
        Some("var.name")
    );
    let gone = root.locals["gone"].as_unknown().expect("missing source");
    assert_eq!(
        (gone.expr.as_str(), gone.reason.as_str()),
        (
            "module.missing",
            "its source `../nowhere` is not among the inputs"
        )
    );
}

#[test]
fn nested_calls_bind_through_every_level_and_cycles_stay_unknown() {
    let root = r#"{"module": {"platform": {"source": "./platform", "cidr": "10.8.0.0/16"}},
      "locals": {"deep": "${module.platform.subnet}"}}"#;
    let platform = r#"{"variable": {"cidr": {}},
      "module": {"net": {"source": "../net", "cidr": "${var.cidr}"}},
      "output": {"subnet": {"value": "${module.net.subnet}"}}}"#;
    let net = r#"{"variable": {"cidr": {}},
      "output": {"subnet": {"value": "${cidrsubnet(var.cidr, 8, 1)}"}}}"#;
    let ping = r#"{"variable": {"n": {"default": "x"}},
      "module": {"pong": {"source": "../pong", "n": "${var.n}x"}}}"#;
    let pong = r#"{"variable": {"n": {}},
      "module": {"ping": {"source": "../ping", "n": "${var.n}y"}}}"#;
    let db = db(&[
        ("r/main.tf.json", root),
        ("r/platform/main.tf.json", platform),
        ("r/net/main.tf.json", net),
        ("r/ping/main.tf.json", ping),
        ("r/pong/main.tf.json", pong),
    ]);
    let (model, _) = eval_of(&db);
    let eval = TfEvalIndex::build(&model, &[]);
    assert_eq!(
        eval.scope_of(FileId(0)).expect("root").locals["deep"],
        Val::str("10.8.1.0/24")
    );
    let n = &eval.scope_of(FileId(4)).expect("pong").vars["n"];
    assert!(
        n.as_unknown()
            .is_some_and(|u| u.reason.contains("form a cycle")),
        "{n:?}"
    );
    let chains = super::modules::call_chains(&model);
    assert_eq!(
        chains["r/net"],
        vec!["in module.platform.module.net (../net), called from r/platform/main.tf.json:2 ← r/main.tf.json:1".to_string()]
    );
}

#[test]
fn an_index_for_some_files_evaluates_their_connected_modules_exactly_as_the_full_index() {
    // Two separate call graphs: root → platform → net, and the ping ⇄ pong cycle.
    let root = r#"{"module": {"platform": {"source": "./platform", "cidr": "10.8.0.0/16"}},
      "locals": {"deep": "${module.platform.subnet}"}}"#;
    let platform = r#"{"variable": {"cidr": {}},
      "module": {"net": {"source": "../net", "cidr": "${var.cidr}"}},
      "output": {"subnet": {"value": "${module.net.subnet}"}}}"#;
    let net = r#"{"variable": {"cidr": {}},
      "locals": {"first": "${cidrsubnet(var.cidr, 8, 1)}"},
      "output": {"subnet": {"value": "${local.first}"}}}"#;
    let ping = r#"{"variable": {"n": {"default": "x"}},
      "module": {"pong": {"source": "../pong", "n": "${var.n}x"}}}"#;
    let pong = r#"{"variable": {"n": {}},
      "module": {"ping": {"source": "../ping", "n": "${var.n}y"}}}"#;
    let db = db(&[
        ("r/main.tf.json", root),
        ("r/platform/main.tf.json", platform),
        ("r/net/main.tf.json", net),
        ("r/ping/main.tf.json", ping),
        ("r/pong/main.tf.json", pong),
    ]);
    let (model, _) = eval_of(&db);
    let full = TfEvalIndex::build(&model, &[]);
    let same = |a: &ModuleScope<'_>, b: &ModuleScope<'_>| {
        assert_eq!(a.dir, b.dir);
        assert_eq!(a.vars, b.vars, "{}", a.dir);
        assert_eq!(a.locals, b.locals, "{}", a.dir);
        assert_eq!(a.modules, b.modules, "{}", a.dir);
    };
    // From the leaf: the whole chain above it, none of the cycle.
    let part = TfEvalIndex::build_for(&model, &[], &[FileId(2)]);
    for id in 0..3 {
        same(
            part.scope_of(FileId(id)).expect("connected"),
            full.scope_of(FileId(id)).expect("full"),
        );
    }
    assert!(part.scope_of(FileId(3)).is_none() && part.scope_of(FileId(4)).is_none());
    assert_eq!(
        part.scope_of(FileId(2)).expect("net").locals["first"],
        Val::str("10.8.1.0/24")
    );
    // From one side of the cycle: both sides, still unknown for the same reason.
    let part = TfEvalIndex::build_for(&model, &[], &[FileId(3)]);
    for id in 3..5 {
        same(
            part.scope_of(FileId(id)).expect("connected"),
            full.scope_of(FileId(id)).expect("full"),
        );
    }
    assert!(part.scope_of(FileId(0)).is_none());
    assert!(TfEvalIndex::build_for(&model, &[], &[])
        .scope_of(FileId(0))
        .is_none());
}
