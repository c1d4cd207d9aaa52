//! Unit tests of policy parsing and evaluation.

use super::*;
use lint_engine::load::json;

fn pol(src: &str) -> Policy {
    let n = json::parse(src, 64).unwrap();
    Policy::from_json(FileId(0), &n)
}

fn req<'r>(action: &'r str, resource: &'r str) -> Request<'r> {
    Request {
        action,
        resource,
        principal: None,
    }
}

fn decide(p: &Policy, r: Request<'_>) -> Decision {
    evaluate(&[p], &r).decision
}

#[test]
fn catch_all_grants() {
    // Each grant as (the text its span covers, what it allows).
    let grant = |src: &str| -> Vec<(String, String)> {
        let text = format!(r#"{{"Statement":[{src}]}}"#);
        pol(&text)
            .statements
            .iter()
            .filter_map(|s| s.catch_all_grant())
            .map(|(sp, what)| (text[sp.start as usize..sp.end as usize].to_string(), what))
            .collect()
    };
    let one = |span: &str, what: &str| vec![(span.to_string(), what.to_string())];
    assert_eq!(
        grant(r#"{"Effect":"Allow","Action":"*:*","Resource":"*"}"#),
        one(r#""*:*""#, "allows every action (`*:*`) on `*`")
    );
    assert_eq!(
        grant(r#"{"Effect":"Allow","Action":["s3:GetObject","*"],"Resource":"arn:aws:s3:::b/*"}"#),
        one(r#""*""#, "allows every action (`*`)")
    );
    assert_eq!(
        grant(r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#),
        one(
            r#""iam:*""#,
            "allows every action except a few (`NotAction`) on `*`"
        )
    );
    assert_eq!(
        grant(r#"{"Effect":"Allow","Action":"iam:Pass*"}"#),
        one(
            r#""iam:Pass*""#,
            "allows `iam:PassRole` (through `iam:Pass*`) on `*`"
        )
    );
    assert_eq!(
        grant(
            r#"{"Effect":"Allow","Action":["ecr:GetAuthorizationToken","s3:*"],"Resource":["*"]}"#
        ),
        one(r#""s3:*""#, "allows all of `s3:*` on `*`")
    );
    assert!(grant(r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#).is_empty());
    assert!(
        grant(r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#).is_empty()
    );
}

#[test]
fn wildcards() {
    assert!(wildcard_match("ecr:*", "ecr:BatchGetImage", false));
    assert!(wildcard_match("ECR:batch*", "ecr:BatchGetImage", true));
    assert!(!wildcard_match("ECR:batch*", "ecr:BatchGetImage", false));
    assert!(wildcard_match(
        "ecr:Get*Url*",
        "ecr:GetDownloadUrlForLayer",
        true
    ));
    assert!(wildcard_match(
        "ecr:?atchGetImage",
        "ecr:BatchGetImage",
        true
    ));
    assert!(!wildcard_match("ecr:?GetImage", "ecr:BatchGetImage", true));
    assert!(wildcard_match("*", "", false));
    assert!(wildcard_match(
        "arn:aws:ecr:*:111122223333:repository/*",
        "arn:aws:ecr:eu-west-1:111122223333:repository/team/app",
        false
    ));
    assert!(!wildcard_match(
        "arn:aws:ecr:*:111122223333:repository/other",
        "arn:aws:ecr:eu-west-1:111122223333:repository/team/app",
        false
    ));
    assert!(wildcard_match("a*b*c", "aXbYbZc", false));
    assert!(!wildcard_match("a*b*c", "aXbYbZ", false));
    // Beyond ASCII: characters, case folded by Unicode rules.
    assert!(wildcard_match("ÄPFEL*", "äpfelbaum", true));
    assert!(!wildcard_match("ÄPFEL*", "äpfelbaum", false));
    assert!(wildcard_match("r?sum?", "résumé", false));
}

/// Every pattern and text up to four characters over a small alphabet, against a plain
/// recursive definition of the match.
#[test]
fn wildcards_agree_with_the_definition() {
    fn reference(p: &[char], t: &[char]) -> bool {
        match (p.first(), t.first()) {
            (None, _) => t.is_empty(),
            (Some('*'), _) => reference(&p[1..], t) || (!t.is_empty() && reference(p, &t[1..])),
            (Some(_), None) => false,
            (Some(&c), Some(&d)) => (c == '?' || c == d) && reference(&p[1..], &t[1..]),
        }
    }
    fn all(alphabet: &[char]) -> Vec<String> {
        let mut out = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..4 {
            last = last
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            out.extend(last.iter().cloned());
        }
        out
    }
    let patterns = all(&['a', 'B', '*', '?']);
    let texts = all(&['a', 'A', 'b', '*']);
    for p in &patterns {
        for t in &texts {
            for ci in [false, true] {
                let (pc, tc): (Vec<char>, Vec<char>) = if ci {
                    (
                        p.to_lowercase().chars().collect(),
                        t.to_lowercase().chars().collect(),
                    )
                } else {
                    (p.chars().collect(), t.chars().collect())
                };
                assert_eq!(
                    wildcard_match(p, t, ci),
                    reference(&pc, &tc),
                    "{p:?} {t:?} case-insensitive {ci}"
                );
            }
        }
    }
}

#[test]
fn allow_and_implicit_deny() {
    let p = pol(r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],
         "Resource":"arn:aws:ecr:eu-west-1:111122223333:repository/*"},
        {"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}]}"#);
    let repo = "arn:aws:ecr:eu-west-1:111122223333:repository/app";
    assert_eq!(decide(&p, req("ecr:BatchGetImage", repo)), Decision::Allow);
    assert_eq!(decide(&p, req("ECR:batchgetimage", repo)), Decision::Allow);
    assert_eq!(
        decide(&p, req("ecr:GetAuthorizationToken", "*")),
        Decision::Allow
    );
    assert_eq!(
        decide(
            &p,
            req(
                "ecr:BatchGetImage",
                "arn:aws:ecr:eu-west-1:999999999999:repository/app"
            )
        ),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(&p, req("ecr:PutImage", repo)),
        Decision::ImplicitDeny
    );
}

#[test]
fn explicit_deny_wins() {
    let p = pol(r#"{"Statement":[
        {"Effect":"Allow","Action":"ecr:*","Resource":"*"},
        {"Effect":"Deny","Action":"ecr:BatchGetImage","Resource":"*"}]}"#);
    let e = evaluate(&[&p], &req("ecr:BatchGetImage", "arn:x"));
    assert_eq!(e.decision, Decision::Deny);
    assert_eq!(e.statement.unwrap().effect, Effect::Deny);
    assert_eq!(
        decide(&p, req("ecr:GetDownloadUrlForLayer", "x")),
        Decision::Allow
    );
    // Deny across policies too.
    let allow = pol(r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#);
    let deny = pol(r#"{"Statement":{"Effect":"Deny","NotAction":"s3:*","Resource":"*"}}"#);
    assert_eq!(
        evaluate(&[&allow, &deny], &req("ecr:BatchGetImage", "x")).decision,
        Decision::Deny
    );
    assert_eq!(
        evaluate(&[&allow, &deny], &req("s3:GetObject", "x")).decision,
        Decision::Allow
    );
}

#[test]
fn not_action_and_not_resource() {
    let p = pol(r#"{"Statement":[
        {"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}]}"#);
    assert_eq!(decide(&p, req("ecr:BatchGetImage", "x")), Decision::Allow);
    assert_eq!(decide(&p, req("iam:PassRole", "x")), Decision::ImplicitDeny);
    let q = pol(r#"{"Statement":[
        {"Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::secret/*"}]}"#);
    assert_eq!(
        decide(&q, req("s3:GetObject", "arn:aws:s3:::public/a")),
        Decision::Allow
    );
    assert_eq!(
        decide(&q, req("s3:GetObject", "arn:aws:s3:::secret/a")),
        Decision::ImplicitDeny
    );
}

#[test]
fn conditions_are_conservative() {
    let p = pol(
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage",
        "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}]}"#,
    );
    assert_eq!(p.statements[0].conditions[0].key, "aws:PrincipalOrgID");
    let who = PrincipalRef::Aws {
        account: "222233334444".into(),
        arn: None,
    };
    let r = Request {
        action: "ecr:BatchGetImage",
        resource: "arn:repo",
        principal: Some(&who),
    };
    assert_eq!(decide(&p, r), Decision::Conditional);
    let d = pol(
        r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
        {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#,
    );
    assert_eq!(
        decide(&d, req("ecr:BatchGetImage", "x")),
        Decision::Conditional
    );
}

#[test]
fn principals() {
    let p = pol(r#"{"Statement":[{"Effect":"Allow",
        "Principal":{"AWS":["arn:aws:iam::222233334444:root","555566667777",
                            "arn:aws:iam::888899990000:role/puller"]},
        "Action":["ecr:BatchGetImage"]}]}"#);
    let check = |account: &str, arn: Option<&str>| {
        let who = PrincipalRef::Aws {
            account: account.into(),
            arn: arn.map(str::to_string),
        };
        decide(
            &p,
            Request {
                action: "ecr:BatchGetImage",
                resource: "arn:repo",
                principal: Some(&who),
            },
        )
    };
    assert_eq!(check("222233334444", None), Decision::Allow);
    assert_eq!(
        check("222233334444", Some("arn:aws:iam::222233334444:role/x")),
        Decision::Allow
    );
    assert_eq!(check("555566667777", None), Decision::Allow);
    assert_eq!(check("888899990000", None), Decision::ImplicitDeny);
    assert_eq!(
        check(
            "888899990000",
            Some("arn:aws:iam::888899990000:role/puller")
        ),
        Decision::Allow
    );
    assert_eq!(check("111111111111", None), Decision::ImplicitDeny);
    let svc = pol(
        r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
    );
    let who = PrincipalRef::Service("ecs-tasks.amazonaws.com".into());
    let r = Request {
        action: "sts:AssumeRole",
        resource: "*",
        principal: Some(&who),
    };
    assert_eq!(decide(&svc, r), Decision::Allow);
    let other = PrincipalRef::Service("pods.eks.amazonaws.com".into());
    let r = Request {
        action: "sts:AssumeRole",
        resource: "*",
        principal: Some(&other),
    };
    assert_eq!(decide(&svc, r), Decision::ImplicitDeny);
    let star =
        pol(r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"ecr:*"}]}"#);
    let who = PrincipalRef::Aws {
        account: "123412341234".into(),
        arn: None,
    };
    let r = Request {
        action: "ecr:BatchGetImage",
        resource: "x",
        principal: Some(&who),
    };
    assert_eq!(decide(&star, r), Decision::Allow);
    let notp = pol(
        r#"{"Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::222233334444:root"},"Action":"ecr:*"},
        {"Effect":"Allow","Principal":"*","Action":"ecr:*"}]}"#,
    );
    let inside = PrincipalRef::Aws {
        account: "222233334444".into(),
        arn: None,
    };
    let outside = PrincipalRef::Aws {
        account: "999999999999".into(),
        arn: None,
    };
    for (who, want) in [(&inside, Decision::Allow), (&outside, Decision::Deny)] {
        let r = Request {
            action: "ecr:BatchGetImage",
            resource: "x",
            principal: Some(who),
        };
        assert_eq!(decide(&notp, r), want);
    }
}

#[test]
fn unresolved_values_are_unknown() {
    let p = pol(
        r#"{"Statement":[{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"${aws_ecr_repository.app.arn}"}]}"#,
    );
    assert_eq!(
        decide(&p, req("ecr:BatchGetImage", "arn:x")),
        Decision::Unknown
    );
    let q = pol(r#"{"Statement":"${local.statements}"}"#);
    assert!(q.unresolved);
    assert_eq!(
        decide(&q, req("ecr:BatchGetImage", "arn:x")),
        Decision::Unknown
    );
}

#[test]
fn tf_policy_document_blocks() {
    let src = r#"{"statement":[
        {"sid":"Pull","actions":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],
         "principals":{"type":"AWS","identifiers":["arn:aws:iam::222233334444:root"]}},
        {"effect":"Deny","not_actions":["ecr:*"],"resources":["*"],
         "condition":[{"test":"StringNotEquals","variable":"aws:PrincipalOrgID","values":["o-1"]}]}]}"#;
    let n = json::parse(src, 64).unwrap();
    let p = Policy::from_tf_document(FileId(0), &n);
    assert_eq!(p.statements.len(), 2);
    assert_eq!(p.statements[0].sid.as_deref(), Some("Pull"));
    assert_eq!(p.statements[0].effect, Effect::Allow);
    assert!(p.statements[0].resources.is_none());
    assert_eq!(p.statements[1].effect, Effect::Deny);
    assert!(p.statements[1].actions.as_ref().unwrap().negated);
    assert_eq!(p.statements[1].conditions[0].operator, "StringNotEquals");
    let who = PrincipalRef::Aws {
        account: "222233334444".into(),
        arn: None,
    };
    let r = Request {
        action: "ecr:BatchGetImage",
        resource: "arn:repo",
        principal: Some(&who),
    };
    assert_eq!(decide(&p, r), Decision::Allow);
}

#[test]
fn spans_point_at_values() {
    let src = r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let p = pol(src);
    let v = p.statements[0].all_actions_value().unwrap();
    assert_eq!(&src[v.span.range()], "\"*\"");
    assert!(p.statements[0].on_all_resources());
    assert_eq!(
        principal_account("arn:aws:iam::222233334444:role/x").as_deref(),
        Some("222233334444")
    );
    assert_eq!(
        principal_account("222233334444").as_deref(),
        Some("222233334444")
    );
}

#[test]
fn expression_resources() {
    let p = pol(
        r#"{"Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"${aws_secretsmanager_secret.db.arn}"}]}"#,
    );
    let act = "secretsmanager:GetSecretValue";
    // The same expression on both sides has the same value.
    assert_eq!(
        decide(&p, req(act, "${aws_secretsmanager_secret.db.arn}")),
        Decision::Allow
    );
    // Another expression, or a literal, may or may not be it.
    assert_eq!(
        decide(&p, req(act, "${aws_secretsmanager_secret.other.arn}")),
        Decision::Unknown
    );
    let lit = pol(
        r#"{"Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/*"}]}"#,
    );
    // A request for an expression against a literal pattern is unknown, not denied.
    assert_eq!(
        decide(&lit, req(act, "${aws_secretsmanager_secret.db.arn}")),
        Decision::Unknown
    );
    // `*` matches whatever the expression is.
    let any = pol(r#"{"Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}"#);
    assert_eq!(
        decide(&any, req("kms:Decrypt", "${aws_kms_key.k.arn}")),
        Decision::Allow
    );
}
