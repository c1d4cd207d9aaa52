resource "aws_iam_role" "task" {
  name               = "payments-task"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "ecs-tasks.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}

resource "aws_iam_role_policy" "task" {
  role   = aws_iam_role.task.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["sqs:SendMessage", "s3:GetObject"], Resource = "*" }] })
}

resource "aws_iam_role" "pod" {
  name               = "payments-pod"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "pods.eks.amazonaws.com" }, Action = ["sts:AssumeRole", "sts:TagSession"] }] })
}

resource "aws_iam_role_policy" "pod" {
  role   = aws_iam_role.pod.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["s3:GetObject"], Resource = "*" }] })
}

resource "aws_eks_pod_identity_association" "payments" {
  cluster_name    = "main"
  namespace       = "shop"
  service_account = "payments"
  role_arn        = aws_iam_role.pod.arn
}

resource "aws_ecs_task_definition" "payments" {
  family        = "payments"
  task_role_arn = aws_iam_role.task.arn
  container_definitions = jsonencode([
    {
      name      = "app"
      image     = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/payments:1.4"
      essential = true
    }
  ])
}
