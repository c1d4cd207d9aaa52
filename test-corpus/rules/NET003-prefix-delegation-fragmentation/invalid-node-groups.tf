resource "aws_subnet" "nodes" {
  vpc_id     = "vpc-1"
  cidr_block = "10.0.16.0/20"
}

resource "aws_eks_addon" "vpc_cni" {
  cluster_name = "main"
  addon_name   = "vpc-cni"
  configuration_values = jsonencode({
    env = {
      ENABLE_PREFIX_DELEGATION = "true"
    }
  })
}

# m4 runs on Xen: no prefixes on those nodes.
resource "aws_eks_node_group" "mixed" {
  cluster_name   = "main"
  node_role_arn  = "arn:aws:iam::111122223333:role/node"
  subnet_ids     = [aws_subnet.nodes.id]
  instance_types = ["m5.large", "m4.large"]
  scaling_config {
    desired_size = 1
    max_size     = 2
    min_size     = 1
  }
}

resource "aws_launch_template" "pinned" {
  name      = "pinned"
  user_data = base64encode("#!/bin/bash\n/etc/eks/bootstrap.sh main --kubelet-extra-args '--max-pods=29'\n")
}

# The secondary-IP max pods of an m5.large, kept after turning prefix delegation on.
resource "aws_eks_node_group" "pinned" {
  cluster_name   = "main"
  node_role_arn  = "arn:aws:iam::111122223333:role/node"
  subnet_ids     = [aws_subnet.nodes.id]
  instance_types = ["m5.large"]
  launch_template {
    id      = aws_launch_template.pinned.id
    version = "$Latest"
  }
  scaling_config {
    desired_size = 1
    max_size     = 2
    min_size     = 1
  }
}
