resource "aws_subnet" "shared_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.0.0/23"
}

resource "aws_subnet" "shared_b" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.2.0/23"
}

resource "aws_ecs_service" "web" {
  name = "web"
  cluster = "apps"
  task_definition = "web:12"
  desired_count = 50
  deployment_maximum_percent = 200
  network_configuration {
    subnets = [aws_subnet.shared_a.id, aws_subnet.shared_b.id]
  }
}

resource "aws_eks_node_group" "web" {
  cluster_name = "apps-eks"
  node_role_arn = "arn:aws:iam::111122223333:role/node"
  subnet_ids = [aws_subnet.shared_a.id, aws_subnet.shared_b.id]
  instance_types = ["m5.large", "m6i.large"]
  scaling_config {
    desired_size = 4
    max_size = 24
    min_size = 4
  }
}

resource "aws_vpc_endpoint" "ecr_dkr" {
  vpc_id = "vpc-1"
  service_name = "com.amazonaws.eu-west-1.ecr.dkr"
  vpc_endpoint_type = "Interface"
  subnet_ids = [aws_subnet.shared_a.id, aws_subnet.shared_b.id]
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id = "vpc-1"
  service_name = "com.amazonaws.eu-west-1.s3"
  vpc_endpoint_type = "Gateway"
}
