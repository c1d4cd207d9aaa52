//! `cutover check --plugin aws` against moto, a local emulator of the AWS APIs.
//!
//! The test starts `moto_server` on a free loopback port (installed by
//! `bash scripts/install-test-tools.sh` into `target/test-tools/venv`, or named by
//! `CUTOVER_MOTO_SERVER`), creates roles, inline and managed policies and ECR repositories with
//! repository policies through the AWS APIs (boto3 from the same venv), and runs the real
//! `cutover` and `cutover-aws` binaries on fixture files that reference them. Only loopback is
//! contacted. A missing moto fails the test with instructions; `CUTOVER_SKIP_MOTO=1` skips it.
//!
//! The workload account is moto's default 123456789012 (key `testing`); the registry account
//! 111111111111 is reached with credentials of a role there (moto maps the keys of an assumed
//! role to the role's account), written to the profile `registry` that `[plugin.aws.accounts]`
//! names for that account.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn workspace() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::canonicalize(&p).unwrap_or(p)
}

fn venv_bin() -> PathBuf {
    std::env::var_os("CUTOVER_TEST_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/test-tools"))
        .join("venv/bin")
}

/// The moto server, killed (by its own handle) when dropped.
struct Moto {
    child: Child,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    fn start(server: &Path, env: &[(&str, &str)]) -> Moto {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port");
        let child = Command::new(server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", server.display()));
        let moto = Moto { child, port };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "moto_server did not listen on 127.0.0.1:{port} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Creates the AWS side. Run with the venv's python.
const SETUP: &str = r#"
import json, os, boto3
url = os.environ["MOTO_URL"]
def client(svc, key):
    return boto3.client(svc, endpoint_url=url, region_name="eu-west-1",
                        aws_access_key_id=key, aws_secret_access_key="testing")
iam = client("iam", "testing")                 # account 123456789012
# moto maps the keys it hands out to accounts: credentials of a role in 111111111111 act there.
creds = client("sts", "testing").assume_role(
    RoleArn="arn:aws:iam::111111111111:role/registry-admin", RoleSessionName="setup")["Credentials"]
ecr = boto3.client("ecr", endpoint_url=url, region_name="eu-west-1",
                   aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                   aws_session_token=creds["SessionToken"])
def role(name, trust_service=None):
    principal = {"Service": trust_service} if trust_service else {"Federated": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"}
    action = "sts:AssumeRole" if trust_service else "sts:AssumeRoleWithWebIdentity"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal, "Action": action}]}))
def inline(role_name, name, statements):
    iam.put_role_policy(RoleName=role_name, PolicyName=name, PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": statements}))
role("api-exec", "ecs-tasks.amazonaws.com")
inline("api-exec", "pull", [
    {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
    {"Effect": "Allow", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
     "Resource": "arn:aws:ecr:eu-west-1:111111111111:repository/*"}])
role("reports")
inline("reports", "everything", [{"Effect": "Allow", "Action": "*", "Resource": "*"}])
role("scoped")
p = iam.create_policy(PolicyName="read-bucket", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}))
iam.attach_role_policy(RoleName="scoped", PolicyArn=p["Policy"]["Arn"])
role("ops")
p = iam.create_policy(PolicyName="ops-all-ecr", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}]}))
iam.attach_role_policy(RoleName="ops", PolicyArn=p["Policy"]["Arn"])
def repo(name, account=None):
    ecr.create_repository(repositoryName=name)
    if account:
        ecr.set_repository_policy(repositoryName=name, policyText=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Sid": "pull", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % account},
             "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]}]}))
repo("api", "123456789012")        # grants the workload account
repo("worker", "999999999999")     # grants another account
repo("batch")                      # no repository policy
print(json.dumps({"key": creds["AccessKeyId"], "secret": creds["SecretAccessKey"], "token": creds["SessionToken"]}))
"#;

const TASKDEF: &str = r#"{
  "family": "api",
  "requiresCompatibilities": ["FARGATE"],
  "executionRoleArn": "arn:aws:iam::123456789012:role/api-exec",
  "taskRoleArn": "arn:aws:iam::123456789012:role/ghost",
  "containerDefinitions": [
    {"name": "api", "image": "111111111111.dkr.ecr.eu-west-1.amazonaws.com/api:1.4.2", "essential": true, "stopTimeout": 60},
    {"name": "worker", "image": "111111111111.dkr.ecr.eu-west-1.amazonaws.com/worker:2", "essential": false, "stopTimeout": 60},
    {"name": "batch", "image": "111111111111.dkr.ecr.eu-west-1.amazonaws.com/batch:3", "essential": false, "stopTimeout": 60},
    {"name": "gone", "image": "111111111111.dkr.ecr.eu-west-1.amazonaws.com/gone:4", "essential": false, "stopTimeout": 60}
  ]
}
"#;

const SERVICE_ACCOUNTS: &str = "apiVersion: v1
kind: ServiceAccount
metadata:
  name: reports
  namespace: shop
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/reports
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: scoped
  namespace: shop
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/scoped
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: default
  namespace: ops
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/ops
";

/// Workloads that only the built-in IAM001 judges: `ops/cleanup` runs as the `default`
/// ServiceAccount, which has an IRSA role; `shop/web` and `shop/cart` share `shop/scoped`.
const WORKLOADS: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: cleanup
  namespace: ops
spec:
  template:
    metadata:
      labels: {app: cleanup}
    spec:
      containers:
        - name: cleanup
          image: nginx:1.27
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    metadata:
      labels: {app: web}
    spec:
      serviceAccountName: scoped
      containers:
        - name: web
          image: nginx:1.27
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cart
  namespace: shop
spec:
  template:
    metadata:
      labels: {app: cart}
    spec:
      serviceAccountName: scoped
      containers:
        - name: cart
          image: nginx:1.27
";

/// An EC2 task definition: the container instance role pulls, which the live IAM002 does not
/// model, so the built-in rule's conclusion stands for its image.
const EC2_TASKDEF: &str = r#"{
  "family": "ec2",
  "requiresCompatibilities": ["EC2"],
  "executionRoleArn": "arn:aws:iam::123456789012:role/api-exec",
  "containerDefinitions": [
    {"name": "worker", "image": "111111111111.dkr.ecr.eu-west-1.amazonaws.com/worker:2", "essential": true, "stopTimeout": 60}
  ]
}
"#;

/// A Pod Identity association for the catch-all role, and one for a role in an account whose
/// configured profile does not exist (its credentials cannot be loaded: AWS001, not fatal).
const PODID_TF: &str = r#"{
  "resource": {
    "aws_eks_pod_identity_association": {
      "reports": {
        "cluster_name": "shop",
        "namespace": "shop",
        "service_account": "reports-v2",
        "role_arn": "arn:aws:iam::123456789012:role/reports"
      },
      "audit": {
        "cluster_name": "shop",
        "namespace": "audit",
        "service_account": "audit",
        "role_arn": "arn:aws:iam::222222222222:role/audit"
      }
    }
  }
}
"#;

struct Sandbox {
    root: PathBuf,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn cutover_bin() -> PathBuf {
    let aws = PathBuf::from(env!("CARGO_BIN_EXE_cutover-aws"));
    let bin = aws.with_file_name(format!("cutover{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "the `cutover` binary is not built at {}: run `cargo build -p cutover` (scripts/test.sh \
         builds it with the workspace)",
        bin.display()
    );
    bin
}

/// `file:l:c-l:c ID severity message` for every finding of a JSON report.
fn lines(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let l = &f["location"];
            format!(
                "{}:{}:{}-{}:{} {} {} {}",
                l["file"].as_str().unwrap(),
                l["start_line"],
                l["start_column"],
                l["end_line"],
                l["end_column"],
                f["rule_id"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

/// The environment of every command: the plugin on PATH, a private HOME and AWS configuration,
/// test credentials and the emulator's endpoint. Nothing of the caller's AWS setup leaks in.
fn env(c: &mut Command, sb: &Sandbox, moto_url: &str) {
    let aws_dir = PathBuf::from(env!("CARGO_BIN_EXE_cutover-aws"));
    let path = std::env::join_paths(
        std::iter::once(aws_dir.parent().unwrap().to_path_buf()).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )),
    )
    .unwrap();
    c.env("PATH", path)
        .env("HOME", sb.root.join("home"))
        .env("CUTOVER_HOME", sb.root.join("home/.cutover"))
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_SHARED_CREDENTIALS_FILE", sb.root.join("credentials"))
        .env("AWS_CONFIG_FILE", sb.root.join("config"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", moto_url)
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_ROLE_ARN")
        .env_remove("AWS_WEB_IDENTITY_TOKEN_FILE")
        .env_remove("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        .env_remove("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
}

fn run(sb: &Sandbox, moto_url: &str, options: &str) -> Output {
    run_rules(sb, moto_url, options, "IAM001,IAM002,AWS001,AWS002")
}

fn run_rules(sb: &Sandbox, moto_url: &str, options: &str, select: &str) -> Output {
    let work = sb.root.join("work");
    std::fs::write(
        work.join("cutover.toml"),
        format!("plugins = [\"aws\"]\nplugin-timeout = 60\n\n[plugin.aws]\n{options}"),
    )
    .unwrap();
    let mut c = Command::new(cutover_bin());
    c.args(["check", "--format", "json", "--select", select, "."])
        .current_dir(&work);
    env(&mut c, sb, moto_url);
    c.output().expect("run cutover")
}

/// `moto_server` and the venv's python, or `None` when `CUTOVER_SKIP_MOTO=1`. Missing tools fail
/// the test with instructions.
fn moto_tools() -> Option<(PathBuf, PathBuf)> {
    if std::env::var_os("CUTOVER_SKIP_MOTO").is_some_and(|v| v == "1") {
        eprintln!("CUTOVER_SKIP_MOTO=1: skipping the moto test");
        return None;
    }
    let server = std::env::var_os("CUTOVER_MOTO_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| venv_bin().join("moto_server"));
    let python = venv_bin().join("python");
    assert!(
        server.is_file() && python.is_file(),
        "moto not found at {}.\nInstall the test tools first: `bash scripts/install-test-tools.sh` \
         (or set CUTOVER_MOTO_SERVER to moto_server), or skip this test with CUTOVER_SKIP_MOTO=1.",
        server.display()
    );
    Some((server, python))
}

fn sandbox(tag: &str) -> Sandbox {
    let root = std::env::temp_dir().join(format!("cutover-aws-moto-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for d in ["work", "home"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(root.join("config"), "").unwrap();
    std::fs::write(root.join("credentials"), "").unwrap();
    Sandbox { root }
}

/// With IAM access control on, a role the credentials may not read is an AWS001 warning at the
/// reference; the run goes on and the plugin does not fail.
/// Without any credentials the plugin fails once, saying so, instead of reporting every role and
/// repository as unreadable. No emulator needed: it stops before the first request.
#[test]
fn no_credentials_is_one_clear_error() {
    let sb = sandbox("no-credentials");
    std::fs::write(
        sb.root.join("work/sa.yaml"),
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app\n  namespace: shop\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/app\n",
    )
    .unwrap();
    std::fs::write(
        sb.root.join("work/sa2.yaml"),
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: other\n  namespace: shop\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/other\n",
    )
    .unwrap();
    let mut c = Command::new(cutover_bin());
    c.args([
        "check",
        "--format",
        "json",
        "--select",
        "IAM001,AWS001",
        ".",
    ])
    .current_dir(sb.root.join("work"));
    // An unreachable endpoint: nothing may be sent anyway.
    env(&mut c, &sb, "http://127.0.0.1:9");
    std::fs::write(
        sb.root.join("work/cutover.toml"),
        "plugins = [\"aws\"]\n\n[plugin.aws]\nregion = \"us-east-1\"\n",
    )
    .unwrap();
    c.env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY");
    let o = c.output().expect("run cutover");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.starts_with(
            "error: plugin `aws`: `cutover-aws check --protocol 1` exited with status 2\n"
        ),
        "{stderr}"
    );
    // Said once, not once per role.
    let said = "no AWS credentials found: cutover-aws reads roles and repository policies";
    assert_eq!(stderr.matches(said).count(), 1, "{stderr}");
    assert!(!stderr.contains("AWS001"), "{stderr}");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(lines(&v), Vec::<String>::new());
}

#[test]
fn access_denied_is_a_finding_not_a_failure() {
    let Some((server, python)) = moto_tools() else {
        return;
    };
    // moto enforces IAM authorization after the first N requests. The setup needs 3; a retried
    // request would also count, so the budget is generous and the setup spends the rest of it
    // (until moto answers AccessDenied) before the plugin runs.
    let moto = Moto::start(&server, &[("INITIAL_NO_AUTH_ACTION_COUNT", "20")]);
    let setup = Command::new(&python)
        .args([
            "-c",
            r#"
import json, os, boto3
iam = boto3.client("iam", endpoint_url=os.environ["MOTO_URL"], region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
iam.create_role(RoleName="locked", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
iam.create_user(UserName="reader")
k = iam.create_access_key(UserName="reader")["AccessKey"]
from botocore.exceptions import ClientError
for _ in range(40):
    try:
        iam.list_roles()
    except ClientError as e:
        if e.response["Error"]["Code"] in ("AccessDenied", "InvalidClientTokenId"):
            break
        raise
else:
    raise SystemExit("moto never started enforcing IAM authorization")
print(json.dumps({"key": k["AccessKeyId"], "secret": k["SecretAccessKey"]}))
"#,
        ])
        .env("MOTO_URL", moto.url())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert!(
        setup.status.success(),
        "setup failed: {}",
        String::from_utf8_lossy(&setup.stderr)
    );
    let creds: Value = serde_json::from_slice(&setup.stdout).unwrap();
    let sb = sandbox("denied");
    std::fs::write(
        sb.root.join("credentials"),
        format!(
            "[reader]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            creds["key"].as_str().unwrap(),
            creds["secret"].as_str().unwrap()
        ),
    )
    .unwrap();
    std::fs::write(
        sb.root.join("work/sa.yaml"),
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app\n  namespace: shop\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/locked\n",
    )
    .unwrap();
    let o = run(
        &sb,
        &moto.url(),
        "region = \"us-east-1\"\nprofile = \"reader\"\n",
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "stderr: {stderr}");
    // Only the one-line summary `check` prints beside a JSON report.
    assert!(
        stderr.lines().all(|l| l.starts_with("cutover: Found ")),
        "{stderr}"
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let got = lines(&v);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].starts_with(
            "sa.yaml:7:33-7:70 AWS001 warning could not read role `arn:aws:iam::123456789012:role/locked`: AccessDenied: "
        ),
        "{got:?}"
    );
    assert!(got[0].contains("iam:GetRole"), "{got:?}");
    drop(moto);
}

#[test]
fn live_iam_and_ecr_findings_from_moto() {
    let Some((server, python)) = moto_tools() else {
        return;
    };
    let moto = Moto::start(&server, &[]);

    let setup = Command::new(&python)
        .args(["-c", SETUP])
        .env("MOTO_URL", moto.url())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert!(
        setup.status.success(),
        "setup failed: {}",
        String::from_utf8_lossy(&setup.stderr)
    );

    let sb = sandbox("live");
    let creds: Value = serde_json::from_slice(&setup.stdout).unwrap();
    std::fs::write(
        sb.root.join("credentials"),
        format!(
            "[registry]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
            creds["key"].as_str().unwrap(),
            creds["secret"].as_str().unwrap(),
            creds["token"].as_str().unwrap()
        ),
    )
    .unwrap();
    std::fs::write(sb.root.join("work/taskdef.json"), TASKDEF).unwrap();
    std::fs::write(sb.root.join("work/sa.yaml"), SERVICE_ACCOUNTS).unwrap();
    std::fs::write(sb.root.join("work/podid.tf.json"), PODID_TF).unwrap();
    std::fs::write(sb.root.join("work/workloads.yaml"), WORKLOADS).unwrap();
    std::fs::write(sb.root.join("work/ec2.json"), EC2_TASKDEF).unwrap();

    let options = format!(
        "region = \"eu-west-1\"\nendpoint-url = \"{}\"\n\n[plugin.aws.accounts.111111111111]\nprofile = \"registry\"\n\n[plugin.aws.accounts.222222222222]\nprofile = \"missing\"\n",
        moto.url()
    );
    let o = run(&sb, &moto.url(), &options);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "stderr: {stderr}");
    // Only the one-line summary `check` prints beside a JSON report.
    assert!(
        stderr.lines().all(|l| l.starts_with("cutover: Found ")),
        "{stderr}"
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    // IAM001 (extended): the live catch-all findings come in addition to the built-in rule's
    // own (a `default` ServiceAccount with an AWS identity, a ServiceAccount shared by two
    // workloads), which stand. IAM002 (superseded where evaluated): the live verdicts replace the
    // built-in "cannot verify" for the images of the Fargate task definition; the EC2 task
    // definition (container instance role) and the repository that does not exist keep the
    // built-in rule's conclusion.
    assert_eq!(
        lines(&v),
        [
            "ec2.json:6:33-6:88 IAM002 info cannot verify the cross-account pull of `111111111111/worker` into account `123456789012`: the puller's policies (the task runs on EC2, so the container instance role pulls images, and that role is not linked in the inputs); the repository policy of `111111111111/worker` (the repository is not in the inputs)",
            "podid.tf.json:8:21-8:61 IAM001 warning role `arn:aws:iam::123456789012:role/reports` bound to ServiceAccount `shop/reports-v2` allows every action (`*`) on `*`",
            "podid.tf.json:14:21-14:59 AWS001 warning could not read role `arn:aws:iam::222222222222:role/audit`: dispatch failure: the credential provider was not enabled: profile `missing` was not defined: could not find source profile missing referenced from the root profile",
            "sa.yaml:7:33-7:71 IAM001 warning role `arn:aws:iam::123456789012:role/reports` bound to ServiceAccount `shop/reports` allows every action (`*`) on `*`",
            "sa.yaml:23:33-23:67 IAM001 error role `arn:aws:iam::123456789012:role/ops` bound to ServiceAccount `ops/default` allows all of `ecr:*` on `*`",
            "taskdef.json:5:18-5:56 AWS002 error role `arn:aws:iam::123456789012:role/ghost` does not exist",
            "taskdef.json:8:33-8:88 IAM002 error image `111111111111.dkr.ecr.eu-west-1.amazonaws.com/worker:2` is pulled by account `123456789012` (execution role `arn:aws:iam::123456789012:role/api-exec`), but the policy of repository `111111111111/worker` does not grant `ecr:BatchGetImage` to it",
            "taskdef.json:9:32-9:86 IAM002 error image `111111111111.dkr.ecr.eu-west-1.amazonaws.com/batch:3` is pulled by account `123456789012` (execution role `arn:aws:iam::123456789012:role/api-exec`) from repository `111111111111/batch`, which has no repository policy",
            "taskdef.json:10:31-10:84 AWS002 error repository `111111111111/gone` in `eu-west-1` does not exist",
            "taskdef.json:10:31-10:84 IAM002 info cannot verify the cross-account pull of `111111111111/gone` into account `123456789012`: the policies of execution role `arn:aws:iam::123456789012:role/api-exec` (not in the inputs); the repository policy of `111111111111/gone` (the repository is not in the inputs)",
            "workloads.yaml:10:5-10:9 IAM001 error `Deployment/ops/cleanup` has no `serviceAccountName`, so it runs as the `default` ServiceAccount of namespace `ops`, which carries AWS identity `arn:aws:iam::123456789012:role/ops` (IRSA)",
            "workloads.yaml:25:27-25:33 IAM001 warning ServiceAccount `shop/scoped` with AWS identity `arn:aws:iam::123456789012:role/scoped` (IRSA) is shared by 2 workloads (`cart`, `web`), above the limit of 1",
            "workloads.yaml:40:27-40:33 IAM001 warning ServiceAccount `shop/scoped` with AWS identity `arn:aws:iam::123456789012:role/scoped` (IRSA) is shared by 2 workloads (`cart`, `web`), above the limit of 1",
        ]
    );
    // The built-in findings carry no live evidence; the ec2.json image was not read as an
    // IAM002 check (the plugin says why on its standard error, shown by `--verbose`).
    assert_eq!(v["findings"][10]["rule_name"], "catch-all-service-account");
    assert!(v["findings"][10]["notes"].as_array().is_none_or(|n| n
        .iter()
        .all(|n| !n.as_str().unwrap().contains("fetched at"))));
    // Live evidence in the notes, with the time it was read.
    let notes: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["notes"][0].as_str().unwrap_or_default().to_string())
        .collect();
    let at = |s: &str, prefix: &str| {
        let rest = s
            .strip_prefix(prefix)
            .unwrap_or_else(|| panic!("{s:?} does not start with {prefix:?}"));
        // `2026-11-29T16:20:00Z`, then an optional suffix.
        let b = rest.as_bytes();
        assert!(
            b.len() >= 20 && b[4] == b'-' && b[10] == b'T' && b[19] == b'Z',
            "not an RFC 3339 time: {rest:?}"
        );
        rest[20..].to_string()
    };
    assert_eq!(
        at(
            &notes[3],
            "inline policy `everything` of role `arn:aws:iam::123456789012:role/reports`, fetched at "
        ),
        ""
    );
    assert_eq!(
        at(
            &notes[4],
            "managed policy `arn:aws:iam::123456789012:policy/ops-all-ecr` (v1) of role `arn:aws:iam::123456789012:role/ops`, fetched at "
        ),
        ""
    );
    assert_eq!(
        at(
            &notes[6],
            "repository policy of 111111111111/worker, fetched at "
        ),
        ""
    );
    assert_eq!(
        at(
            &notes[7],
            "repository policy of 111111111111/batch, fetched at "
        ),
        ": none"
    );
    assert_eq!(v["findings"][6]["rule_name"], "ecr-cross-account-pull-gap");
    assert!(v["findings"][6]["help"]
        .as_str()
        .unwrap()
        .contains("\"Principal\": {\"AWS\": \"arn:aws:iam::123456789012:root\"}"));

    // The plugin fails (an unknown option): it answers nothing and every built-in IAM001/IAM002
    // finding stands (here: the cross-account pulls cannot be verified statically).
    let o = run(
        &sb,
        &moto.url(),
        &format!("{options}\n[plugin.aws.nonsense]\nx = 1\n"),
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.starts_with(
            "error: plugin `aws`: `cutover-aws check --protocol 1` exited with status 2"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("invalid `[plugin.aws]` options"),
        "{stderr}"
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let ids: Vec<String> = lines(&v)
        .iter()
        .map(|l| l.split(' ').take(3).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        ids,
        [
            "ec2.json:6:33-6:88 IAM002 info",
            "taskdef.json:7:30-7:86 IAM002 info",
            "taskdef.json:8:33-8:88 IAM002 info",
            "taskdef.json:9:32-9:86 IAM002 info",
            "taskdef.json:10:31-10:84 IAM002 info",
            "workloads.yaml:10:5-10:9 IAM001 error",
            "workloads.yaml:25:27-25:33 IAM001 warning",
            "workloads.yaml:40:27-40:33 IAM001 warning",
        ]
    );

    // `cutover aws explain-role` runs `cutover-aws explain-role` (external subcommand).
    let explain = |arn: &str| {
        let mut c = Command::new(cutover_bin());
        c.args([
            "aws",
            "explain-role",
            arn,
            "--endpoint-url",
            &moto.url(),
            "--region",
            "eu-west-1",
        ]);
        env(&mut c, &sb, &moto.url());
        c.output().unwrap()
    };
    let o = explain("arn:aws:iam::123456789012:role/api-exec");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let (first, rest) = text.split_once('\n').unwrap();
    assert!(
        first.starts_with("role arn:aws:iam::123456789012:role/api-exec (read at 20"),
        "{first}"
    );
    assert_eq!(rest, EXPLAIN_API_EXEC, "{rest}");
    let o = explain("arn:aws:iam::123456789012:role/ghost");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "cutover-aws: error: role `arn:aws:iam::123456789012:role/ghost` does not exist\n"
    );
    drop(moto);
}

const EXPLAIN_API_EXEC: &str = "
policies:
  inline policy pull

trusted by:
  ecs-tasks.amazonaws.com          allowed      ECS tasks
  pods.eks.amazonaws.com           not allowed  EKS Pod Identity
  ec2.amazonaws.com                not allowed  EC2 instances (EKS nodes, ECS container instances)
  eks-fargate-pods.amazonaws.com   not allowed  EKS Fargate pods

ECR pull:
  ecr:GetAuthorizationToken        allowed on *
  ecr:BatchGetImage                allowed on arn:aws:ecr:eu-west-1:111111111111:repository/*
  ecr:GetDownloadUrlForLayer       allowed on arn:aws:ecr:eu-west-1:111111111111:repository/*
  ecr:BatchCheckLayerAvailability  allowed on arn:aws:ecr:eu-west-1:111111111111:repository/*

secrets:
  secretsmanager:GetSecretValue    not allowed
  ssm:GetParameters                not allowed
  ssm:GetParameter                 not allowed
  kms:Decrypt                      not allowed

logs:
  logs:CreateLogGroup              not allowed
  logs:CreateLogStream             not allowed
  logs:PutLogEvents                not allowed

sts:
  sts:AssumeRole                   not allowed
  sts:TagSession                   not allowed
";

/// IRSA roles and an execution role for the live IAM003 and IAM005 checks. Run with the venv's
/// python.
const SETUP_TRUST_AND_SECRETS: &str = r#"
import json, os, boto3
iam = boto3.client("iam", endpoint_url=os.environ["MOTO_URL"], region_name="eu-west-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
oidc = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"
issuer = "oidc.eks.eu-west-1.amazonaws.com/id/ABC"
def role(name, statement):
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [statement]}))
def irsa(sub):
    return {"Effect": "Allow", "Principal": {"Federated": oidc}, "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {issuer + ":sub": sub, issuer + ":aud": "sts.amazonaws.com"}}}
ecs = {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
role("orders", irsa("system:serviceaccount:shop:payments"))   # trusts another ServiceAccount
role("cart", irsa("system:serviceaccount:shop:cart"))          # trusts this one
role("legacy", ecs)                                            # an ECS task role reused as is
role("app-exec", ecs)
iam.put_role_policy(RoleName="app-exec", PolicyName="secrets", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
     "Resource": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/*"}]}))
"#;

const IRSA_SERVICE_ACCOUNTS: &str = "apiVersion: v1
kind: ServiceAccount
metadata:
  name: orders
  namespace: shop
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/orders
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: cart
  namespace: shop
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/cart
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: legacy
  namespace: shop
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/legacy
";

/// Secrets the execution role may read (`prod/…`), may not (`staging/…`, an SSM parameter),
/// and one in another account, whose resource policy the live check does not read (the built-in
/// "cannot verify" stands).
const SECRETS_TASKDEF: &str = r#"{
  "family": "app",
  "requiresCompatibilities": ["FARGATE"],
  "executionRoleArn": "arn:aws:iam::123456789012:role/app-exec",
  "containerDefinitions": [
    {"name": "app", "image": "nginx:1.27", "essential": true, "stopTimeout": 60,
     "secrets": [
       {"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf"},
       {"name": "API_KEY", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/api-key:token::"},
       {"name": "TOKEN", "valueFrom": "arn:aws:ssm:eu-west-1:123456789012:parameter/app/token"},
       {"name": "SHARED", "valueFrom": "arn:aws:secretsmanager:eu-west-1:444455556666:secret:shared/key-AbCdEf"}
     ]}
  ]
}
"#;

/// IAM003 and IAM005 evaluated live: the roles are not in the inputs, so without the plugin both
/// rules can only say "cannot verify"; with it, the trust and the policies read from the account
/// decide, and the built-in findings at those places go.
#[test]
fn live_irsa_trust_and_task_secrets_from_moto() {
    let Some((server, python)) = moto_tools() else {
        return;
    };
    let moto = Moto::start(&server, &[]);
    let setup = Command::new(&python)
        .args(["-c", SETUP_TRUST_AND_SECRETS])
        .env("MOTO_URL", moto.url())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert!(
        setup.status.success(),
        "setup failed: {}",
        String::from_utf8_lossy(&setup.stderr)
    );
    let sb = sandbox("trust-secrets");
    std::fs::write(sb.root.join("work/sa.yaml"), IRSA_SERVICE_ACCOUNTS).unwrap();
    std::fs::write(sb.root.join("work/taskdef.json"), SECRETS_TASKDEF).unwrap();
    let options = format!(
        "region = \"eu-west-1\"\nendpoint-url = \"{}\"\n",
        moto.url()
    );
    let select = "IAM003,IAM005,AWS001,AWS002";
    let o = run_rules(&sb, &moto.url(), &options, select);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "stderr: {stderr}");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(lines(&v), LIVE_TRUST_AND_SECRETS, "{stderr}");
    // Live evidence, with the time it was read.
    assert!(v["findings"][2]["notes"][0]
        .as_str()
        .unwrap()
        .starts_with("policies of role `arn:aws:iam::123456789012:role/app-exec`, fetched at 20"));

    // Without the plugin, the built-in rules cannot see the roles.
    std::fs::write(sb.root.join("work/cutover.toml"), "").unwrap();
    let mut c = Command::new(cutover_bin());
    c.args([
        "check",
        "--format",
        "json",
        "--select",
        "IAM003,IAM005",
        ".",
    ])
    .current_dir(sb.root.join("work"));
    env(&mut c, &sb, &moto.url());
    let o = c.output().unwrap();
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    let sev: Vec<String> = lines(&v)
        .iter()
        .map(|l| l.split(' ').take(3).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(sev, BUILTIN_TRUST_AND_SECRETS);
    drop(moto);
}

const LIVE_TRUST_AND_SECRETS: [&str; 5] = [
    "sa.yaml:7:33-7:70 IAM003 error role `arn:aws:iam::123456789012:role/orders` trusts `system:serviceaccount:shop:payments` but not ServiceAccount `shop/orders`: pods using it get no AWS credentials",
    "sa.yaml:23:33-23:70 IAM003 error role `arn:aws:iam::123456789012:role/legacy` of ServiceAccount `shop/legacy` trusts only `ecs-tasks.amazonaws.com` (an ECS task role): pods using it get no AWS credentials",
    "taskdef.json:9:41-9:119 IAM005 error execution role `arn:aws:iam::123456789012:role/app-exec` does not allow `secretsmanager:GetSecretValue` on `arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/api-key-??????`, so ECS cannot fetch secret `API_KEY` and the task does not start",
    "taskdef.json:10:39-10:95 IAM005 error execution role `arn:aws:iam::123456789012:role/app-exec` does not allow `ssm:GetParameters` on `arn:aws:ssm:eu-west-1:123456789012:parameter/app/token`, so ECS cannot fetch secret `TOKEN` and the task does not start",
    "taskdef.json:11:40-11:112 IAM005 info cannot verify that execution role `arn:aws:iam::123456789012:role/app-exec` may read secret `SHARED`: the role is not in the inputs",
];
const BUILTIN_TRUST_AND_SECRETS: [&str; 7] = [
    "sa.yaml:7:33-7:70 IAM003 info",
    "sa.yaml:15:33-15:68 IAM003 info",
    "sa.yaml:23:33-23:70 IAM003 info",
    "taskdef.json:8:45-8:114 IAM005 info",
    "taskdef.json:9:41-9:119 IAM005 info",
    "taskdef.json:10:39-10:95 IAM005 info",
    "taskdef.json:11:40-11:112 IAM005 info",
];
