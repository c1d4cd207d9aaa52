resource "aws_subnet" "app_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.0.0/22"
}

resource "aws_lb" "internal" {
  name = "internal"
  internal = true
  subnets = [aws_subnet.app_a.id]
}

resource "aws_eks_addon" "vpc_cni" {
  cluster_name = "apps"
  addon_name = "vpc-cni"
  configuration_values = jsonencode({
    env = {
      ENABLE_POD_ENI = "true"
    }
  })
}

resource "aws_eks_node_group" "main" {
  cluster_name = "apps"
  node_role_arn = "arn:aws:iam::111122223333:role/node"
  subnet_ids = [aws_subnet.app_a.id]
  instance_types = ["m5.xlarge"]
  scaling_config {
    desired_size = 3
    max_size = 12
    min_size = 3
  }
}
