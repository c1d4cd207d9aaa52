# c5.12xlarge is in the ENI table but not the vCPU table: the prefix-mode max-pods ceiling
# (110 up to 30 vCPUs, 250 above) is unknown, so the demand is not guessed.
resource "aws_subnet" "nodes_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.8.0/24"
}

resource "aws_eks_addon" "vpc_cni" {
  cluster_name = "batch"
  addon_name = "vpc-cni"
  configuration_values = <<-EOT
    {
      "env": {
        "ENABLE_PREFIX_DELEGATION": "true",
        "WARM_PREFIX_TARGET": "1"
      }
    }
    EOT
}

resource "aws_eks_node_group" "batch" {
  cluster_name = "batch"
  node_role_arn = "arn:aws:iam::111122223333:role/node"
  subnet_ids = [aws_subnet.nodes_a.id]
  instance_types = ["c5.12xlarge"]
  scaling_config {
    desired_size = 1
    max_size = 3
    min_size = 1
  }
}
