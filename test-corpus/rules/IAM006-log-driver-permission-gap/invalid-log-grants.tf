resource "aws_iam_role" "exec" {
  name               = "api-exec"
  assume_role_policy = data.aws_iam_policy_document.ecs_trust.json
}

resource "aws_iam_role" "task" {
  name               = "api-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_trust.json
}

data "aws_iam_policy_document" "ecs_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy_attachment" "exec" {
  role       = aws_iam_role.exec.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

resource "aws_iam_role_policy" "task" {
  role = aws_iam_role.task.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = "arn:aws:logs:eu-west-1:*:log-group:/ecs/firelens-ok:*"
    }]
  })
}

resource "aws_ecs_task_definition" "api" {
  family             = "api"
  execution_role_arn = aws_iam_role.exec.arn
  task_role_arn      = aws_iam_role.task.arn
  container_definitions = jsonencode([
    {
      name = "api"
      image = "nginx:1.27"
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          "awslogs-group" = "/ecs/api"
          "awslogs-region" = "eu-west-1"
          "awslogs-stream-prefix" = "api"
          "awslogs-create-group" = "true"
        }
      }
    },
    {
      name = "worker"
      image = "nginx:1.27"
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          "awslogs-group" = "/ecs/worker"
          "awslogs-region" = "eu-west-1"
          "awslogs-stream-prefix" = "worker"
        }
      }
    },
    {
      name = "app"
      image = "nginx:1.27"
      logConfiguration = {
        logDriver = "awsfirelens"
        options = {
          Name = "cloudwatch_logs"
          region = "eu-west-1"
          log_group_name = "/ecs/app"
          log_stream_prefix = "app"
        }
      }
    },
    {
      name = "app2"
      image = "nginx:1.27"
      logConfiguration = {
        logDriver = "awsfirelens"
        options = {
          Name = "cloudwatch_logs"
          region = "eu-west-1"
          log_group_name = "/ecs/firelens-ok"
          log_stream_prefix = "app"
        }
      }
    },
    {
      name = "app3"
      image = "nginx:1.27"
      logConfiguration = {
        logDriver = "awsfirelens"
        options = {
          Name = "kinesis_firehose"
          region = "eu-west-1"
          delivery_stream = "logs"
        }
      }
    }
  ])
}
