resource "aws_subnet" "private_a" {
  vpc_id     = "vpc-1"
  cidr_block = "10.20.1.0/24"
}

resource "aws_route_table" "private" {
  vpc_id = "vpc-1"
}

resource "aws_route_table_association" "private_a" {
  subnet_id      = aws_subnet.private_a.id
  route_table_id = aws_route_table.private.id
}

# ECR is reachable privately: images can be pulled.
resource "aws_vpc_endpoint" "ecr_api" {
  vpc_id            = "vpc-1"
  service_name      = "com.amazonaws.eu-west-1.ecr.api"
  vpc_endpoint_type = "Interface"
  subnet_ids        = [aws_subnet.private_a.id]
}

resource "aws_vpc_endpoint" "ecr_dkr" {
  vpc_id            = "vpc-1"
  service_name      = "com.amazonaws.eu-west-1.ecr.dkr"
  vpc_endpoint_type = "Interface"
  subnet_ids        = [aws_subnet.private_a.id]
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = "vpc-1"
  service_name      = "com.amazonaws.eu-west-1.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]
}

# And the services the task reaches before its containers start.
resource "aws_vpc_endpoint" "secretsmanager" {
  vpc_id            = "vpc-1"
  service_name      = "com.amazonaws.eu-west-1.secretsmanager"
  vpc_endpoint_type = "Interface"
  subnet_ids        = [aws_subnet.private_a.id]
}

resource "aws_vpc_endpoint" "ssm" {
  vpc_id            = "vpc-1"
  service_name      = "com.amazonaws.eu-west-1.ssm"
  vpc_endpoint_type = "Interface"
  subnet_ids        = [aws_subnet.private_a.id]
}

resource "aws_vpc_endpoint" "logs" {
  vpc_id            = "vpc-1"
  service_name      = "com.amazonaws.eu-west-1.logs"
  vpc_endpoint_type = "Interface"
  subnet_ids        = [aws_subnet.private_a.id]
}
