//! Amazon Resource Names: `arn:<partition>:<service>:<region>:<account>:<resource>`.

/// A parsed ARN. The resource part is kept whole (`role/path/name`, `repository/team/app`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn<'s> {
    pub partition: &'s str,
    pub service: &'s str,
    pub region: &'s str,
    /// 12 digits, empty (S3), or `aws` for AWS managed policies.
    pub account: &'s str,
    pub resource: &'s str,
}

impl<'s> Arn<'s> {
    /// Parse an ARN. Strings holding an interpolation (`${…}`) or with fewer than six parts are
    /// not ARNs.
    pub fn parse(s: &'s str) -> Option<Arn<'s>> {
        if lint_engine::doc::is_unresolved_text(s) {
            return None;
        }
        let rest = s.strip_prefix("arn:")?;
        let mut it = rest.splitn(5, ':');
        let partition = it.next()?;
        let service = it.next()?;
        let region = it.next()?;
        let account = it.next()?;
        let resource = it.next()?;
        if partition.is_empty() || service.is_empty() || resource.is_empty() {
            return None;
        }
        Some(Arn {
            partition,
            service,
            region,
            account,
            resource,
        })
    }

    /// The 12-digit account, if the ARN has one.
    pub fn account_id(&self) -> Option<&'s str> {
        is_account_id(self.account).then_some(self.account)
    }

    /// `role/path/name` → (`resource type`, rest): `("role", "path/name")`.
    pub fn resource_type(&self) -> (&'s str, &'s str) {
        match self.resource.find(['/', ':']) {
            Some(i) => (&self.resource[..i], &self.resource[i + 1..]),
            None => (self.resource, ""),
        }
    }

    /// For IAM ARNs of roles, users and policies: the name after the last `/`.
    pub fn iam_name(&self) -> Option<&'s str> {
        if self.service != "iam" {
            return None;
        }
        let (ty, rest) = self.resource_type();
        match ty {
            "role" | "user" | "policy" | "instance-profile" | "group" => {
                rest.rsplit('/').next().filter(|n| !n.is_empty())
            }
            _ => None,
        }
    }

    /// `arn:aws:iam::123456789012:role/x` → `Some("x")`.
    pub fn role_name(&self) -> Option<&'s str> {
        (self.service == "iam" && self.resource_type().0 == "role")
            .then(|| self.iam_name())
            .flatten()
    }

    /// `arn:aws:iam::123456789012:root`.
    pub fn is_account_root(&self) -> bool {
        self.service == "iam" && self.resource == "root" && self.account_id().is_some()
    }

    /// An AWS managed policy (`arn:aws:iam::aws:policy/…`).
    pub fn is_aws_managed_policy(&self) -> bool {
        self.service == "iam" && self.account == "aws" && self.resource.starts_with("policy/")
    }
}

/// Exactly twelve ASCII digits.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The account root principal ARN for a partition.
pub fn account_root(partition: &str, account: &str) -> String {
    format!("arn:{partition}:iam::{account}:root")
}

/// The ECR repository ARN.
pub fn ecr_repository_arn(partition: &str, region: &str, account: &str, repo: &str) -> String {
    format!("arn:{partition}:ecr:{region}:{account}:repository/{repo}")
}

/// The partition of a region (`cn-north-1` → `aws-cn`, `us-gov-west-1` → `aws-us-gov`).
pub fn partition_of_region(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_role_arns() {
        let a =
            Arn::parse("arn:aws:iam::123456789012:role/service-role/ecsTaskExecutionRole").unwrap();
        assert_eq!(a.partition, "aws");
        assert_eq!(a.service, "iam");
        assert_eq!(a.region, "");
        assert_eq!(a.account_id(), Some("123456789012"));
        assert_eq!(a.role_name(), Some("ecsTaskExecutionRole"));
        assert_eq!(
            a.resource_type(),
            ("role", "service-role/ecsTaskExecutionRole")
        );
        assert!(!a.is_account_root());
    }

    #[test]
    fn parses_other_arns() {
        let r = Arn::parse("arn:aws:iam::111122223333:root").unwrap();
        assert!(r.is_account_root());
        let p = Arn::parse("arn:aws:iam::aws:policy/AdministratorAccess").unwrap();
        assert!(p.is_aws_managed_policy());
        assert_eq!(p.iam_name(), Some("AdministratorAccess"));
        assert_eq!(p.account_id(), None);
        let e = Arn::parse("arn:aws-cn:ecr:cn-north-1:111122223333:repository/team/app").unwrap();
        assert_eq!(e.partition, "aws-cn");
        assert_eq!(e.region, "cn-north-1");
        assert_eq!(e.resource_type(), ("repository", "team/app"));
        let s = Arn::parse("arn:aws:secretsmanager:eu-west-1:111122223333:secret:db:password::")
            .unwrap();
        assert_eq!(s.resource, "secret:db:password::");
        let b = Arn::parse("arn:aws:s3:::bucket/key").unwrap();
        assert_eq!(b.account_id(), None);
        assert_eq!(b.resource, "bucket/key");
    }

    #[test]
    fn rejects_non_arns() {
        assert!(Arn::parse("${aws_iam_role.x.arn}").is_none());
        assert!(Arn::parse("arn:aws:iam::${var.account}:role/x").is_none());
        assert!(Arn::parse("arn:aws:iam").is_none());
        assert!(Arn::parse("role/x").is_none());
        assert!(Arn::parse("arn::iam::1:role/x").is_none());
        assert!(!is_account_id("12345678901"));
        assert!(!is_account_id("12345678901a"));
        assert_eq!(partition_of_region("us-gov-east-1"), "aws-us-gov");
    }
}
