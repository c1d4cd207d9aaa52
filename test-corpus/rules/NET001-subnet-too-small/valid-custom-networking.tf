resource "aws_subnet" "nodes_a" {
  vpc_id = "vpc-1"
  cidr_block = "10.0.1.0/24"
}

resource "aws_eks_addon" "vpc_cni" {
  cluster_name = "prod-cluster"
  addon_name = "vpc-cni"
  configuration_values = <<-EOT
    {
      "env": {
        "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG": "true",
        "ENI_CONFIG_LABEL_DEF": "topology.kubernetes.io/zone"
      }
    }
    EOT
}

resource "aws_eks_node_group" "main" {
  cluster_name = "prod-cluster"
  node_role_arn = "arn:aws:iam::111122223333:role/node"
  subnet_ids = [aws_subnet.nodes_a.id]
  instance_types = ["m5.large"]
  scaling_config {
    desired_size = 3
    max_size = 10
    min_size = 3
  }
}
