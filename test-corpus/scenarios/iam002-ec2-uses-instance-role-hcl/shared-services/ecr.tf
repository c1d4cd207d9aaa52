provider "aws" {
  region = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

resource "aws_ecr_repository" "api" {
  name = "platform/api"
  image_tag_mutability = "IMMUTABLE"
}

resource "aws_ecr_repository_policy" "api" {
  repository = aws_ecr_repository.api.name
  policy = data.aws_iam_policy_document.pull.json
}

data "aws_iam_policy_document" "pull" {
  statement {
    sid = "AllowWorkloadsPull"
    effect = "Allow"
    principals {
      type = "AWS"
      identifiers = ["arn:aws:iam::222233334444:root"]
    }
    actions = [
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
      "ecr:BatchCheckLayerAvailability"
    ]
  }
}
