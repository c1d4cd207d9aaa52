resource "aws_subnet" "tiny" {
  vpc_id     = "vpc-1"
  cidr_block = "10.0.0.0/27"
}

resource "aws_subnet" "shared" {
  vpc_id     = "vpc-1"
  cidr_block = "10.0.1.0/24"
}

resource "aws_subnet" "reserved" {
  vpc_id     = "vpc-1"
  cidr_block = "10.0.2.0/24"
}

resource "aws_ec2_subnet_cidr_reservation" "prefixes" {
  subnet_id        = aws_subnet.reserved.id
  cidr_block       = "10.0.2.0/25"
  reservation_type = "prefix"
}

resource "aws_eks_addon" "vpc_cni" {
  cluster_name = "main"
  addon_name   = "vpc-cni"
  configuration_values = jsonencode({
    env = {
      ENABLE_PREFIX_DELEGATION = "true"
      WARM_PREFIX_TARGET       = "1"
    }
  })
}

resource "aws_eks_node_group" "main" {
  cluster_name  = "main"
  node_role_arn = "arn:aws:iam::111122223333:role/node"
  subnet_ids    = [aws_subnet.tiny.id, aws_subnet.shared.id, aws_subnet.reserved.id]
  instance_types = ["m5.large"]
  scaling_config {
    desired_size = 1
    max_size     = 1
    min_size     = 1
  }
}

resource "aws_ecs_service" "api" {
  name        = "api"
  launch_type = "FARGATE"
  network_configuration {
    subnets = [aws_subnet.shared.id, aws_subnet.reserved.id]
  }
}
