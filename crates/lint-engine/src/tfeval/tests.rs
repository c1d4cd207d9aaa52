//! Evaluator tests: every function against the examples Terraform documents for it, every
//! expression form, and the unknown cases with their reasons.

use std::collections::BTreeMap;

use super::*;

struct TestEnv {
    vars: BTreeMap<String, Val>,
}

impl Env for TestEnv {
    fn get(&self, ns: &str, name: &str) -> Option<Val> {
        match ns {
            "var" => self.vars.get(name).cloned(),
            _ => None,
        }
    }
}

fn env() -> TestEnv {
    let mut vars = BTreeMap::new();
    vars.insert("vpc_cidr".to_string(), Val::str("10.40.0.0/16"));
    vars.insert("env".to_string(), Val::str("prod"));
    vars.insert("n".to_string(), Val::int(3));
    vars.insert(
        "azs".to_string(),
        Val::List(vec![Val::str("a"), Val::str("b"), Val::str("c")]),
    );
    vars.insert(
        "tags".to_string(),
        Val::Map(BTreeMap::from([
            ("Team".to_string(), Val::str("core")),
            ("Env".to_string(), Val::str("prod")),
        ])),
    );
    TestEnv { vars }
}

fn ev(text: &str) -> Val {
    eval_expression(text, &env())
}

fn s(text: &str) -> String {
    match ev(text) {
        Val::Str(s) => s,
        other => panic!("{text} gave {other:?}"),
    }
}

fn strs(text: &str) -> Vec<String> {
    match ev(text) {
        Val::List(l) => l
            .into_iter()
            .map(|v| match v {
                Val::Str(s) => s,
                other => panic!("{text}: element {other:?}"),
            })
            .collect(),
        other => panic!("{text} gave {other:?}"),
    }
}

/// The unknown's expression and reason.
fn unknown(text: &str) -> (String, String, bool) {
    match ev(text) {
        Val::Unknown(u) => (u.expr, u.reason, u.error),
        other => panic!("{text} gave {other:?}, not unknown"),
    }
}

// ---- cidrsubnet (examples from Terraform's documentation of the function) ----

#[test]
fn cidrsubnet_documented_ipv4_examples() {
    assert_eq!(s(r#"cidrsubnet("172.16.0.0/12", 4, 2)"#), "172.18.0.0/16");
    assert_eq!(s(r#"cidrsubnet("10.1.2.0/24", 4, 15)"#), "10.1.2.240/28");
}

/// Terraform documents `fd00:fd12:3456:7800:a200::/72`: 162 (0xa2) fills bits 57..72, the
/// upper byte of the fifth group (`…:a2::/72` would put it in host bits).
#[test]
fn cidrsubnet_documented_ipv6_example() {
    assert_eq!(
        s(r#"cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)"#),
        "fd00:fd12:3456:7800:a200::/72"
    );
}

#[test]
fn cidrsubnet_host_bits_in_the_prefix_are_ignored_and_vars_resolve() {
    assert_eq!(s(r#"cidrsubnet("10.1.2.77/24", 2, 1)"#), "10.1.2.64/26");
    assert_eq!(s("cidrsubnet(var.vpc_cidr, 10, 12)"), "10.40.3.0/26");
}

#[test]
fn cidrsubnet_errors_are_unknown_with_terraforms_reason() {
    assert_eq!(
        unknown(r#"cidrsubnet("10.0.0.0/30", 4, 0)"#),
        (
            r#"cidrsubnet("10.0.0.0/30", 4, 0)"#.to_string(),
            "insufficient address space to extend prefix of 30 by 4".to_string(),
            true
        )
    );
    assert_eq!(
        unknown(r#"cidrsubnet("10.0.0.0/16", 2, 4)"#).1,
        "prefix extension of 2 does not accommodate a subnet numbered 4"
    );
    assert_eq!(
        unknown(r#"cidrsubnet("10.0.0.0", 2, 1)"#).1,
        "invalid CIDR expression: invalid CIDR address: 10.0.0.0"
    );
}

// ---- cidrsubnets ----

#[test]
fn cidrsubnets_documented_examples() {
    assert_eq!(
        strs(r#"cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)"#),
        [
            "10.1.0.0/20",
            "10.1.16.0/20",
            "10.1.32.0/24",
            "10.1.48.0/20"
        ]
    );
    assert_eq!(
        strs(r#"cidrsubnets("fd00:fd12:3456:7890::/56", 16, 16, 16, 32)"#),
        [
            "fd00:fd12:3456:7800::/72",
            "fd00:fd12:3456:7800:100::/72",
            "fd00:fd12:3456:7800:200::/72",
            "fd00:fd12:3456:7800:300::/88"
        ]
    );
}

#[test]
fn cidrsubnets_out_of_space_is_an_error() {
    assert_eq!(
        unknown(r#"cidrsubnets("10.0.0.0/24", 1, 1, 1)"#).1,
        "invalid newbits index 2: not enough remaining address space for a subnet with a prefix of 25 bits after 10.0.0.128/25"
    );
    assert_eq!(
        unknown(r#"cidrsubnets("10.0.0.0/24", 0)"#).1,
        "invalid newbits index 0: must extend prefix by at least one bit"
    );
}

// ---- cidrhost ----

#[test]
fn cidrhost_documented_examples() {
    assert_eq!(s(r#"cidrhost("10.12.112.0/20", 16)"#), "10.12.112.16");
    assert_eq!(s(r#"cidrhost("10.12.112.0/20", 268)"#), "10.12.113.12");
    assert_eq!(
        s(r#"cidrhost("fd00:fd12:3456:7890:00a2::/72", 34)"#),
        "fd00:fd12:3456:7890::22"
    );
}

#[test]
fn cidrhost_negative_counts_from_the_end_and_overflow_is_an_error() {
    assert_eq!(s(r#"cidrhost("10.0.0.0/24", -1)"#), "10.0.0.255");
    assert_eq!(s(r#"cidrhost("10.0.0.0/24", -256)"#), "10.0.0.0");
    assert_eq!(
        unknown(r#"cidrhost("10.0.0.0/24", 256)"#).1,
        "prefix of 24 does not accommodate a host numbered 256"
    );
    assert_eq!(
        unknown(r#"cidrhost("10.0.0.0/24", -257)"#).1,
        "prefix of 24 does not accommodate a host numbered -257"
    );
}

// ---- collection and string functions (documented examples) ----

#[test]
fn merge_documented_examples() {
    assert_eq!(
        ev(r#"merge({a="b", c="d"}, {e="f", c="z"})"#),
        ev(r#"{a="b", c="z", e="f"}"#)
    );
    assert_eq!(
        ev(r#"merge({a="b"}, null, {e="f"})"#),
        ev(r#"{a="b", e="f"}"#)
    );
    assert_eq!(
        unknown("merge(1)").1,
        "merge() arguments must be maps or objects, got a number"
    );
}

#[test]
fn concat_documented_example() {
    assert_eq!(
        strs(r#"concat(["a", ""], ["b", "c"])"#),
        ["a", "", "b", "c"]
    );
}

#[test]
fn format_documented_examples() {
    assert_eq!(s(r#"format("Hello, %s!", "Ander")"#), "Hello, Ander!");
    assert_eq!(
        s(r#"format("There are %d lights", 4)"#),
        "There are 4 lights"
    );
    assert_eq!(s(r#"format("%v", true)"#), "true");
    assert_eq!(s(r#"format("%q", "hi")"#), "\"hi\"");
    assert_eq!(
        s(r#"format("%03d|%-4s|%5.2f|%%", 7, "ab", 3.14159)"#),
        "007|ab  | 3.14|%"
    );
    assert_eq!(s(r#"format("%v", [1, "a"])"#), r#"[1,"a"]"#);
}

#[test]
fn format_unsupported_verb_is_unknown_and_bad_args_are_errors() {
    let (_, reason, error) = unknown(r#"format("%x", 255)"#);
    assert_eq!(
        (reason.as_str(), error),
        ("format verb %x is not evaluated", false)
    );
    assert_eq!(
        unknown(r#"format("%d", "x")"#).1,
        "%d needs a whole number, got \"x\""
    );
    assert_eq!(
        unknown(r#"format("%s %s", "a")"#).1,
        "not enough arguments for %s"
    );
}

#[test]
fn join_and_split_documented_examples() {
    assert_eq!(s(r#"join("-", ["foo", "bar", "baz"])"#), "foo-bar-baz");
    assert_eq!(s(r#"join(", ", ["foo"])"#), "foo");
    assert_eq!(strs(r#"split(",", "foo,bar,baz")"#), ["foo", "bar", "baz"]);
    assert_eq!(strs(r#"split(",", "foo")"#), ["foo"]);
    assert_eq!(strs(r#"split(",", "")"#), [""]);
    assert_eq!(strs(r#"split("", "ab")"#), ["a", "b"]);
}

#[test]
fn lookup_documented_examples() {
    assert_eq!(s(r#"lookup({a="ay", b="bee"}, "a", "what?")"#), "ay");
    assert_eq!(s(r#"lookup({a="ay", b="bee"}, "c", "what?")"#), "what?");
    assert_eq!(
        unknown(r#"lookup({a="ay"}, "c")"#).1,
        "the given key \"c\" does not exist in the map"
    );
}

#[test]
fn element_documented_examples_wraps_around() {
    assert_eq!(s(r#"element(["a", "b", "c"], 1)"#), "b");
    assert_eq!(s(r#"element(["a", "b", "c"], 3)"#), "a");
    assert_eq!(s("element(var.azs, 4)"), "b");
    assert_eq!(
        unknown(r#"element([], 0)"#).1,
        "cannot use element function with an empty list"
    );
}

#[test]
fn length_documented_examples() {
    assert_eq!(ev("length([])"), Val::int(0));
    assert_eq!(ev(r#"length(["a", "b"])"#), Val::int(2));
    assert_eq!(ev(r#"length({"a" = "b"})"#), Val::int(1));
    assert_eq!(ev(r#"length("hello")"#), Val::int(5));
    // Documented as 2 (grapheme clusters): not evaluated rather than guessed.
    assert_eq!(
        unknown(r#"length("👾🕹️")"#).1,
        "length() of a non-ASCII string counts grapheme clusters, which is not evaluated"
    );
}

#[test]
fn conversions_tolist_toset_tomap() {
    assert_eq!(strs(r#"tolist(["a", "b", "c"])"#), ["a", "b", "c"]);
    assert_eq!(strs(r#"toset(["c", "b", "b"])"#), ["b", "c"]);
    assert_eq!(ev(r#"tomap({"a" = 1, "b" = 2})"#), ev(r#"{a = 1, b = 2}"#));
    assert_eq!(
        unknown(r#"tomap("x")"#).1,
        "cannot convert a string to a map"
    );
}

#[test]
fn lower_upper_replace_documented_examples() {
    assert_eq!(s(r#"lower("HELLO")"#), "hello");
    assert_eq!(s(r#"upper("hello")"#), "HELLO");
    assert_eq!(s(r#"lower("ÀÉ")"#), "àé");
    assert_eq!(
        unknown(r#"upper("straße")"#).1,
        "upper() of a character without a one-to-one case mapping is not evaluated"
    );
    assert_eq!(s(r#"replace("1 + 2 + 3", "+", "-")"#), "1 - 2 - 3");
    assert_eq!(
        s(r#"replace("hello world", "/w.*d/", "everybody")"#),
        "hello everybody"
    );
    assert_eq!(s(r#"replace("a-b-c", "/(\\w)-/", "$1.")"#), "a.b.c");
}

#[test]
fn try_and_coalesce_documented_examples() {
    assert_eq!(s(r#"try(var.tags.Missing, "fallback")"#), "fallback");
    assert_eq!(s(r#"try(var.tags.Team, "fallback")"#), "core");
    // A plain unknown is not an error: try() cannot know whether it would fail.
    assert_eq!(
        unknown("try(var.nope, 1)").1,
        "no value for variable \"nope\""
    );
    assert_eq!(s(r#"coalesce("a", "b")"#), "a");
    assert_eq!(s(r#"coalesce("", "b")"#), "b");
    assert_eq!(ev("coalesce(1, 2)"), Val::int(1));
    assert_eq!(
        unknown("coalesce(null, \"\")").1,
        "no non-null, non-empty-string arguments"
    );
}

#[test]
fn jsonencode_and_jsondecode_documented_examples() {
    assert_eq!(
        s(r#"jsonencode({"hello"="world"})"#),
        r#"{"hello":"world"}"#
    );
    assert_eq!(
        s(r#"jsonencode({b=1, a=[true, null, "<&>"]})"#),
        r#"{"a":[true,null,"\u003c\u0026\u003e"],"b":1}"#
    );
    assert_eq!(
        ev(r#"jsondecode("{\"hello\": \"world\"}")"#),
        ev(r#"{hello = "world"}"#)
    );
    assert_eq!(ev(r#"jsondecode("true")"#), Val::Bool(true));
    assert!(unknown(r#"jsondecode("{")"#)
        .1
        .starts_with("invalid JSON: "));
}

#[test]
fn unsupported_function_is_unknown_naming_it() {
    assert_eq!(
        unknown(r#"timestamp()"#),
        (
            "timestamp()".to_string(),
            "unsupported function timestamp()".to_string(),
            false
        )
    );
    assert_eq!(
        unknown(r#"provider::aws::arn_parse("x")"#).1,
        "unsupported function arn_parse()"
    );
}

#[test]
fn unknown_argument_propagates_innermost_cause() {
    assert_eq!(
        unknown("cidrsubnet(var.missing, 4, 1)"),
        (
            "var.missing".to_string(),
            "no value for variable \"missing\"".to_string(),
            false
        )
    );
}

// ---- expression forms ----

#[test]
fn literals_and_exact_integers() {
    assert_eq!(ev("null"), Val::Null);
    assert_eq!(ev("true"), Val::Bool(true));
    assert_eq!(ev("9007199254740993"), Val::int(9_007_199_254_740_993));
    assert_eq!(ev("1.5"), Val::Num(Num::Float(1.5)));
    assert_eq!(ev("1e3"), Val::int(1000));
    assert_eq!(
        unknown("12345678901234567890").1,
        "number beyond 64-bit precision"
    );
    assert_eq!(
        unknown("9223372036854775807 * 2").1,
        "arithmetic out of range"
    );
    assert_eq!(ev(r#""a\nb""#), Val::str("a\nb"));
}

#[test]
fn templates_interpolation_and_directives() {
    assert_eq!(s(r#""web-${var.env}""#), "web-prod");
    assert_eq!(s(r#""n=${var.n + 1}""#), "n=4");
    assert_eq!(
        s(r#""%{ if var.env == "prod" }big%{ else }small%{ endif }""#),
        "big"
    );
    assert_eq!(s(r#""%{ for az in var.azs }${az},%{ endfor }""#), "a,b,c,");
    assert_eq!(
        s(r#""%{ for i, az in var.azs ~} [${i}${az}] %{~ endfor }""#),
        "[0a][1b][2c]"
    );
    assert_eq!(
        unknown(r#""x-${[1]}""#).1,
        "a list cannot be interpolated into a string"
    );
}

#[test]
fn template_text_of_tf_json_keeps_a_lone_interpolations_type() {
    assert_eq!(eval_template("${var.azs}", &env()), ev("var.azs"));
    assert_eq!(eval_template("${var.n}", &env()), Val::int(3));
    assert_eq!(eval_template("az-${var.azs[0]}", &env()), Val::str("az-a"));
    assert_eq!(eval_template("$${literal}", &env()), Val::str("${literal}"));
}

#[test]
fn traversals_index_attribute_and_splat() {
    assert_eq!(s("var.azs[2]"), "c");
    assert_eq!(s(r#"var.tags["Team"]"#), "core");
    assert_eq!(s("var.tags.Env"), "prod");
    assert_eq!(strs(r#"[{a="x"}, {a="y"}][*].a"#), ["x", "y"]);
    assert_eq!(strs(r#"[{a="x"}, {a="y"}].*.a"#), ["x", "y"]);
    assert_eq!(
        unknown("var.azs[5]").1,
        "index 5 out of range for a list of 3"
    );
    assert_eq!(unknown("var.tags.Nope").1, "no attribute or key \"Nope\"");
}

#[test]
fn references_outside_the_scope_are_unknown_with_why() {
    assert_eq!(
        unknown("aws_vpc.main.cidr_block"),
        (
            "aws_vpc.main.cidr_block".to_string(),
            "known only after apply".to_string(),
            false
        )
    );
    assert_eq!(
        unknown("module.vpc.private_subnets").1,
        "outputs of module \"vpc\" are not evaluated"
    );
    assert_eq!(
        unknown("data.aws_vpc.x.id").1,
        "data sources are read only during plan"
    );
    assert_eq!(
        unknown("each.key").1,
        "`each.key` has a value only per instance of a resource with count/for_each"
    );
    assert_eq!(unknown("local.x").1, "no local value \"x\"");
}

#[test]
fn operators_arithmetic_comparison_logic() {
    assert_eq!(ev("1 + 2 * 3"), Val::int(7));
    assert_eq!(ev("7 / 2"), Val::Num(Num::Float(3.5)));
    assert_eq!(ev("8 / 2"), Val::int(4));
    assert_eq!(ev("7 % 3"), Val::int(1));
    assert_eq!(ev("-var.n"), Val::int(-3));
    assert_eq!(ev(r#""2" + 1"#), Val::int(3));
    assert_eq!(ev("3 >= 3 && !(1 > 2)"), Val::Bool(true));
    assert_eq!(ev(r#"1 == "1""#), Val::Bool(false));
    assert_eq!(ev("[1, 2] == [1, 2.0]"), Val::Bool(true));
    assert_eq!(ev("false && var.nope"), Val::Bool(false));
    assert_eq!(unknown("1 / 0").1, "division by zero");
    assert_eq!(
        unknown(r#"1 + "a""#).1,
        "operator + does not apply to a number and a string"
    );
}

#[test]
fn conditionals_known_and_unknown_conditions() {
    assert_eq!(s(r#"var.env == "prod" ? "big" : "small""#), "big");
    // Unknown condition, equal branches: the value is known anyway.
    assert_eq!(s(r#"var.nope ? "same" : "same""#), "same");
    assert_eq!(
        unknown(r#"var.nope ? "a" : "b""#),
        (
            "var.nope".to_string(),
            "no value for variable \"nope\"".to_string(),
            false
        )
    );
    assert_eq!(
        unknown(r#"1 ? "a" : "b""#).1,
        "condition is a number, not a bool"
    );
}

#[test]
fn for_expressions_over_known_collections() {
    assert_eq!(strs(r#"[for az in var.azs : upper(az)]"#), ["A", "B", "C"]);
    assert_eq!(
        strs(r#"[for i, az in var.azs : "${i}-${az}" if i != 1]"#),
        ["0-a", "2-c"]
    );
    assert_eq!(
        ev(r#"{for k, v in var.tags : lower(k) => v}"#),
        ev(r#"{env = "prod", team = "core"}"#)
    );
    assert_eq!(
        ev(r#"{for s in ["a", "b", "a"] : s => s...}"#),
        ev(r#"{a = ["a", "a"], b = ["b"]}"#)
    );
    assert_eq!(
        strs(r#"[for i, az in var.azs : cidrsubnet(var.vpc_cidr, 8, i)]"#),
        ["10.40.0.0/24", "10.40.1.0/24", "10.40.2.0/24"]
    );
    assert_eq!(
        unknown(r#"{for s in ["a", "a"] : s => 1}"#).1,
        "duplicate object key \"a\""
    );
    assert_eq!(unknown("[for x in var.nope : x]").0, "var.nope");
}

#[test]
fn function_argument_expansion() {
    assert_eq!(strs(r#"concat([["a"], ["b"]]...)"#), ["a", "b"]);
}

#[test]
fn syntax_errors_and_hostile_input_are_unknown_not_panics() {
    let (expr, reason, error) = unknown("cidrsubnet(");
    assert_eq!(expr, "cidrsubnet(");
    assert!(reason.starts_with("does not parse"), "{reason}");
    assert!(error);
    let deep = format!("{}1{}", "(".repeat(300), ")".repeat(300));
    assert!(matches!(
        eval_expression(&deep, &EmptyEnv),
        Val::Unknown(_) | Val::Num(_)
    ));
    let (_, reason, _) = unknown(r#"format("%999999999d", 1)"#);
    assert_eq!(reason, "format width or precision too large");
}

#[test]
fn templates_held_by_a_parse_memo_evaluate_as_without_it_and_the_memo_ends_with_its_guard() {
    let texts = [
        "${cidrsubnet(var.vpc_cidr, 8, var.n)}",
        "web-${var.env}",
        "${var.azs}",
        "%{ for a in var.azs }${a}%{ endfor }",
        "${unclosed(",
        "${var.missing}",
    ];
    let plain: Vec<Val> = texts.iter().map(|t| eval_template(t, &env())).collect();
    {
        let _outer = super::eval::ParseMemo::hold();
        let _inner = super::eval::ParseMemo::hold();
        for _ in 0..2 {
            let memo: Vec<Val> = texts.iter().map(|t| eval_template(t, &env())).collect();
            assert_eq!(memo, plain);
        }
        assert_eq!(super::eval::memo_len(), Some(texts.len()));
    }
    assert_eq!(super::eval::memo_len(), None);
    assert_eq!(plain[1], Val::str("web-prod"));
    assert_eq!(
        plain[2],
        Val::List(vec![Val::str("a"), Val::str("b"), Val::str("c")])
    );
}
