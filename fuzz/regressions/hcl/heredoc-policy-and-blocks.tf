resource "aws_iam_role" "apps" {
  name = "apps"
  assume_role_policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Principal": {
            "Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
          },
          "Action": "sts:AssumeRoleWithWebIdentity",
          "Condition": {
            "StringLike": {
              "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub": "system:serviceaccount:apps:*"
            }
          }
        }
      ]
    }
    EOT
}

resource "aws_iam_role" "any_sa" {
  name = "any-sa"
  assume_role_policy = data.aws_iam_policy_document.any_sa.json
}

resource "aws_iam_role" "by_reference" {
  name = "by-reference"
  assume_role_policy = data.aws_iam_policy_document.by_reference.json
}

data "aws_iam_policy_document" "any_sa" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type = "Federated"
      identifiers = [
        "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
      ]
    }
    condition {
      test = "StringEquals"
      variable = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud"
      values = ["sts.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "by_reference" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type = "Federated"
      identifiers = [module.eks.oidc_provider_arn]
    }
    condition {
      test = "StringLike"
      variable = "${module.eks.oidc_provider}:sub"
      values = ["system:serviceaccount:*:*"]
    }
  }
}
