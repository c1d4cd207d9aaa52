resource "aws_subnet" "nodes_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.64.0/19"
}

resource "aws_eks_addon" "vpc_cni" {
  cluster_name = "apps"
  addon_name = "vpc-cni"
  configuration_values = jsonencode(local.vpc_cni_config)
}

resource "aws_eks_node_group" "main" {
  cluster_name = "apps"
  node_role_arn = "arn:aws:iam::111122223333:role/node"
  subnet_ids = [aws_subnet.nodes_a.id]
  instance_types = ["m6i.xlarge"]
  scaling_config {
    desired_size = 3
    max_size = 10
    min_size = 3
  }
}
