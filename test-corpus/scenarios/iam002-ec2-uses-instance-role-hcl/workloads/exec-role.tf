provider "aws" {
  region = "eu-west-1"
  allowed_account_ids = ["222233334444"]
}

resource "aws_iam_role" "api_exec" {
  name = "api-exec"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = {
          Service = "ecs-tasks.amazonaws.com"
        }
        Action    = "sts:AssumeRole"
      }
    ]
  })
  inline_policy = [
    {
      name   = "logs-only"
      policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"logs:CreateLogStream\",\"logs:PutLogEvents\"],\"Resource\":\"*\"}]}"
    }
  ]
}
