# Every private path the rule accepts: a NAT gateway route (aws_route), central egress through a
# transit gateway (inline route), and the full ECR endpoint set with the S3 gateway endpoint.
resource "aws_subnet" "nat" {
  vpc_id     = "vpc-1"
  cidr_block = "10.0.1.0/24"
}

resource "aws_subnet" "tgw" {
  vpc_id     = "vpc-1"
  cidr_block = "10.0.2.0/24"
}

resource "aws_subnet" "endpoints" {
  vpc_id            = "vpc-1"
  cidr_block        = "10.0.3.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_route_table" "nat" {
  vpc_id = "vpc-1"
}

resource "aws_route" "nat_default" {
  route_table_id         = aws_route_table.nat.id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.main.id
}

resource "aws_nat_gateway" "main" {
  subnet_id = "subnet-public"
}

resource "aws_route_table" "tgw" {
  vpc_id = "vpc-1"
  route {
    cidr_block         = "0.0.0.0/0"
    transit_gateway_id = "tgw-0123456789abcdef0"
  }
}

resource "aws_route_table" "endpoints" {
  vpc_id = "vpc-1"
}

resource "aws_route_table_association" "nat" {
  subnet_id      = aws_subnet.nat.id
  route_table_id = aws_route_table.nat.id
}

resource "aws_route_table_association" "tgw" {
  subnet_id      = aws_subnet.tgw.id
  route_table_id = aws_route_table.tgw.id
}

resource "aws_route_table_association" "endpoints" {
  subnet_id      = aws_subnet.endpoints.id
  route_table_id = aws_route_table.endpoints.id
}

resource "aws_vpc_endpoint" "ecr_api" {
  vpc_id            = "vpc-1"
  service_name      = "com.amazonaws.eu-west-1.ecr.api"
  vpc_endpoint_type = "Interface"
  subnet_ids        = [aws_subnet.endpoints.id]
}

resource "aws_vpc_endpoint" "ecr_dkr" {
  vpc_id            = "vpc-1"
  service_name      = "com.amazonaws.eu-west-1.ecr.dkr"
  vpc_endpoint_type = "Interface"
  subnet_ids        = [aws_subnet.endpoints.id]
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = "vpc-1"
  service_name      = "com.amazonaws.eu-west-1.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.endpoints.id]
}

resource "aws_ecs_task_definition" "api" {
  family = "api"
  container_definitions = jsonencode([
    { name = "api", image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1", stopTimeout = 60 }
  ])
}

resource "aws_ecs_service" "api" {
  name            = "api"
  launch_type     = "FARGATE"
  task_definition = aws_ecs_task_definition.api.arn
  network_configuration {
    subnets          = [aws_subnet.nat.id, aws_subnet.tgw.id, aws_subnet.endpoints.id]
    assign_public_ip = false
  }
}
