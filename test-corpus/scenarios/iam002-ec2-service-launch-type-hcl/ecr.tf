# The registry account's repository, mapped to its account in cutover.toml.
resource "aws_ecr_repository" "api" {
  name = "platform/api"
}

resource "aws_ecr_repository_policy" "api" {
  repository = "platform/api"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = {
          AWS = "arn:aws:iam::222233334444:root"
        }
        Action    = [
          "ecr:BatchGetImage",
          "ecr:GetDownloadUrlForLayer",
          "ecr:BatchCheckLayerAvailability"
        ]
      }
    ]
  })
}
