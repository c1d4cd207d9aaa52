//! `cutover check` on Terraform HCL end to end: `--var-file` and `[terraform] var-files`,
//! `--repo-context` with a `.tf` file given alone, and HCL syntax errors.

mod support;

use support::*;

const NETWORK_TF: &str = r#"resource "aws_vpc" "main" {
  cidr_block = var.vpc_cidr
}

resource "aws_subnet" "pods_a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(var.vpc_cidr, 10, 12)
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "pods_b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(var.vpc_cidr, 4, 2)
  availability_zone = "eu-west-1b"
}
"#;

const EKS_TF: &str = r#"resource "aws_eks_node_group" "workers" {
  cluster_name    = "apps-eks"
  node_group_name = "workers"
  node_role_arn   = "arn:aws:iam::111122223333:role/node"
  subnet_ids      = [aws_subnet.pods_a.id, aws_subnet.pods_b.id]
  instance_types  = ["m5.large"]
  scaling_config {
    desired_size = 2
    max_size     = 4
    min_size     = 2
  }
}
"#;

const VARIABLES_TF: &str = "variable \"vpc_cidr\" {\n  type = string\n}\n";

/// A root module whose subnets are `cidrsubnet(var.vpc_cidr, …)` with no default for `vpc_cidr`.
fn module_without_values() -> TempDir {
    let tmp = TempDir::in_target("var-file");
    tmp.write("cutover.toml", "");
    tmp.write("infra/network.tf", NETWORK_TF);
    tmp.write("infra/eks.tf", EKS_TF);
    tmp.write("infra/variables.tf", VARIABLES_TF);
    tmp
}

fn net_lines(dir: &std::path::Path, args: &[&str]) -> (i32, Vec<String>) {
    let mut all = vec!["check", "--format", "json", "--select", "NET001,NET002"];
    all.extend_from_slice(args);
    let out = cutover(dir, &all);
    (code(&out), lines_of(&json_of(&out), &[]))
}

#[test]
fn var_file_values_decide_the_subnet_findings() {
    let tmp = module_without_values();
    tmp.write("envs/prod.tfvars", "vpc_cidr = \"10.50.0.0/18\"\n");
    tmp.write("envs/big.tfvars.json", "{\"vpc_cidr\": \"10.60.0.0/16\"}\n");
    let d = tmp.path();

    // Without a value, the CIDRs are unknown: nothing to judge.
    assert_eq!(net_lines(d, &["infra"]), (0, vec![]));

    let prod = vec![
        "infra/network.tf:7:23-7:55 NET001 warning EKS pod subnet `aws_subnet.pods_a` is a /28 with 11 usable addresses, smaller than the /20 minimum".to_string(),
        "infra/network.tf:7:23-7:55 NET002 error peak IP demand of subnet `aws_subnet.pods_a` is 60 addresses, more than its 11 usable (`10.50.0.192/28`)".to_string(),
        "infra/network.tf:13:23-13:53 NET001 warning EKS pod subnet `aws_subnet.pods_b` is a /22 with 1019 usable addresses, smaller than the /20 minimum".to_string(),
    ];
    assert_eq!(
        net_lines(d, &["infra", "--var-file", "envs/prod.tfvars"]),
        (1, prod.clone())
    );
    // Later files win, as with `terraform plan -var-file`: a /16 gives 10.60.3.0/26 and a /20.
    let big = vec![
        "infra/network.tf:7:23-7:55 NET001 warning EKS pod subnet `aws_subnet.pods_a` is a /26 with 59 usable addresses, smaller than the /20 minimum".to_string(),
        "infra/network.tf:7:23-7:55 NET002 error peak IP demand of subnet `aws_subnet.pods_a` is 60 addresses, more than its 59 usable (`10.60.3.0/26`)".to_string(),
    ];
    let (c, lines) = net_lines(
        d,
        &[
            "infra",
            "--var-file",
            "envs/prod.tfvars",
            "--var-file",
            "envs/big.tfvars.json",
        ],
    );
    assert_eq!((c, lines.clone()), (1, big.clone()), "{lines:#?}");

    // The same from cutover.toml, relative to its directory; the command line comes after it.
    tmp.write(
        "cutover.toml",
        "[terraform]\nvar_files = [\"envs/prod.tfvars\"]\n",
    );
    assert_eq!(net_lines(d, &["infra"]), (1, prod));
    assert_eq!(
        net_lines(d, &["infra", "--var-file", "envs/big.tfvars.json"]),
        (1, big)
    );
}

#[test]
fn a_missing_or_malformed_var_file_is_an_input_error() {
    let tmp = module_without_values();
    tmp.write("bad.tfvars", "vpc_cidr = \"10.50.0.0/18\"\nazs = [\"a\",\n");
    tmp.write(
        "pod.json",
        "{\"kind\": \"Pod\", \"apiVersion\": \"v1\", \"metadata\": {\"name\": \"x\"}}\n",
    );
    let d = tmp.path();

    let (c, lines) = net_lines(d, &["infra", "--var-file", "nope.tfvars"]);
    assert_eq!(c, 2);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(
        lines[0].starts_with("nope.tfvars input-error variable file: cannot read:"),
        "{lines:#?}"
    );

    let out = cutover(
        d,
        &[
            "check",
            "--format",
            "json",
            "infra",
            "--var-file",
            "bad.tfvars",
        ],
    );
    assert_eq!(code(&out), 2);
    let v = json_of(&out);
    assert_eq!(v["errors"][0]["file"], "bad.tfvars");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("variable file: invalid HCL: ")),
        "{v}"
    );
    assert_eq!(v["errors"][0]["location"]["start_line"], 2);

    let (c, lines) = net_lines(d, &["infra", "--var-file", "pod.json"]);
    assert_eq!(c, 2);
    assert_eq!(
        lines,
        ["pod.json input-error variable file: not a Terraform variable file (`.tfvars` or `.tfvars.json`): read as k8s"]
    );
}

#[test]
fn an_hcl_syntax_error_is_an_input_error_and_the_other_files_are_still_checked() {
    let tmp = module_without_values();
    tmp.write("infra/terraform.tfvars", "vpc_cidr = \"10.50.0.0/18\"\n");
    tmp.write(
        "infra/broken.tf",
        "resource \"aws_subnet\" \"c\" {\n  cidr_block = \"10.0.0.0/24\"\n  tags = {\n    Name = \"c\"\n  }\n",
    );
    let out = cutover(
        tmp.path(),
        &["check", "--format", "json", "--select", "NET001", "infra"],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(
        lines_of(&json_of(&out), &[]),
        [
            "infra/network.tf:7:23-7:55 NET001 warning EKS pod subnet `aws_subnet.pods_a` is a /28 with 11 usable addresses, smaller than the /20 minimum",
            "infra/network.tf:13:23-13:53 NET001 warning EKS pod subnet `aws_subnet.pods_b` is a /22 with 1019 usable addresses, smaller than the /20 minimum",
            "infra/broken.tf input-error invalid HCL: invalid block body; expected `}`, newline or identifier",
        ]
    );
    let human = cutover(
        tmp.path(),
        &["check", "--select", "NET001", "infra", "--color", "never"],
    );
    assert!(
        stdout(&human).contains("┌─ infra/broken.tf:5:4"),
        "{}",
        stdout(&human)
    );
}

#[test]
fn repo_context_evaluates_a_tf_file_given_alone_with_its_module() {
    // pre-commit passes only the changed `network.tf`: its variables, tfvars and the node group
    // using its subnets are in other files of the module.
    let tmp = module_without_values();
    tmp.write("infra/terraform.tfvars", "vpc_cidr = \"10.50.0.0/18\"\n");
    let dir = tmp.path().join("infra");
    let out = cutover(
        &dir,
        &[
            "check",
            "--format",
            "json",
            "--select",
            "NET001,NET002",
            "--repo-context",
            "network.tf",
        ],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(
        lines_of(&json_of(&out), &[]),
        [
            "network.tf:7:23-7:55 NET001 warning EKS pod subnet `aws_subnet.pods_a` is a /28 with 11 usable addresses, smaller than the /20 minimum",
            "network.tf:7:23-7:55 NET002 error peak IP demand of subnet `aws_subnet.pods_a` is 60 addresses, more than its 11 usable (`10.50.0.192/28`)",
            "network.tf:13:23-13:53 NET001 warning EKS pod subnet `aws_subnet.pods_b` is a /22 with 1019 usable addresses, smaller than the /20 minimum",
        ]
    );
    // Alone, without the context, the variable has no value: nothing to judge.
    let out = cutover(
        &dir,
        &[
            "check",
            "--format",
            "json",
            "--select",
            "NET001,NET002",
            "network.tf",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(lines_of(&json_of(&out), &[]), Vec::<String>::new());
}

#[test]
fn the_pre_commit_hook_matches_terraform_files() {
    // `.tf.json` and `.tfvars.json` end in `.json`; `.tf` and `.tfvars` are HCL.
    let hooks = std::fs::read_to_string(repo().join(".pre-commit-hooks.yaml")).unwrap();
    let files: Vec<&str> = hooks
        .lines()
        .filter_map(|l| l.trim().strip_prefix("files:"))
        .map(str::trim)
        .collect();
    assert_eq!(files, [r"'\.(json|ya?ml|tf|tfvars)$'"]);
}

#[test]
fn templates_are_rendered_with_the_var_files_values() {
    let tmp = TempDir::in_target("template-var-file");
    tmp.write("cutover.toml", "");
    tmp.write(
        "infra/main.tf",
        r#"variable "worker_image" {
  type = string
}

resource "aws_ecs_task_definition" "worker" {
  family                = "worker"
  container_definitions = templatefile("tpl/worker.json.tpl", { image = var.worker_image })
}
"#,
    );
    tmp.write(
        "infra/tpl/worker.json.tpl",
        "[{\"name\": \"worker\", \"image\": \"${image}\"}]\n",
    );
    tmp.write(
        "envs/prod.tfvars",
        "worker_image = \"111122223333.dkr.ecr.eu-west-1.amazonaws.com/worker:2.0\"\n",
    );
    let d = tmp.path();
    let lines = |args: &[&str]| {
        let mut all = vec!["check", "--format", "json", "--select", "ECS001,LINT000"];
        all.extend_from_slice(args);
        let out = cutover(d, &all);
        (code(&out), lines_of(&json_of(&out), &[]))
    };
    // Without a value the template cannot be rendered, and LINT000 says why.
    assert_eq!(
        lines(&["infra"]),
        (
            0,
            vec!["infra/main.tf:7:27-7:92 LINT000 info `container_definitions` of `aws_ecs_task_definition.worker` cannot be read: its variables are not known statically (`var.worker_image`: variable \"worker_image\" has no default and no value in a tfvars file); container rules skipped it".to_string()]
        )
    );
    // With the variable file, the template is rendered and its container checked.
    assert_eq!(
        lines(&["infra", "--var-file", "envs/prod.tfvars"]),
        (
            1,
            vec!["infra/tpl/worker.json.tpl:1:3-1:19 ECS001 warning container `worker` has no `stopTimeout`: SIGTERM then SIGKILL after 30 s".to_string()]
        )
    );
}
