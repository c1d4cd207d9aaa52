# Prefix delegation is off: the /27 is NET001's business, not this rule's.
resource "aws_subnet" "tiny" {
  vpc_id     = "vpc-1"
  cidr_block = "10.0.0.0/27"
}

resource "aws_eks_addon" "vpc_cni" {
  cluster_name         = "main"
  addon_name           = "vpc-cni"
  configuration_values = jsonencode({ env = { ENABLE_PREFIX_DELEGATION = "false" } })
}

resource "aws_eks_node_group" "main" {
  cluster_name   = "main"
  node_role_arn  = "arn:aws:iam::111122223333:role/node"
  subnet_ids     = [aws_subnet.tiny.id]
  instance_types = ["m5.large"]
  scaling_config {
    desired_size = 1
    max_size     = 1
    min_size     = 1
  }
}
