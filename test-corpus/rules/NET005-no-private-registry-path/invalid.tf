resource "aws_subnet" "isolated" {
  vpc_id            = "vpc-1"
  cidr_block        = "10.0.1.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "igw_only" {
  vpc_id            = "vpc-1"
  cidr_block        = "10.0.2.0/24"
  availability_zone = "eu-west-1b"
}

resource "aws_subnet" "unassociated" {
  vpc_id     = "vpc-1"
  cidr_block = "10.0.3.0/24"
}

resource "aws_route_table" "isolated" {
  vpc_id = "vpc-1"
}

resource "aws_route_table" "public" {
  vpc_id = "vpc-1"
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }
}

resource "aws_internet_gateway" "main" {
  vpc_id = "vpc-1"
}

resource "aws_route_table_association" "isolated" {
  subnet_id      = aws_subnet.isolated.id
  route_table_id = aws_route_table.isolated.id
}

resource "aws_route_table_association" "igw_only" {
  subnet_id      = aws_subnet.igw_only.id
  route_table_id = aws_route_table.public.id
}

resource "aws_vpc_endpoint" "ecr_api" {
  vpc_id            = "vpc-1"
  service_name      = "com.amazonaws.eu-west-1.ecr.api"
  vpc_endpoint_type = "Interface"
  subnet_ids        = [aws_subnet.isolated.id]
}

resource "aws_ecs_task_definition" "api" {
  family = "api"
  container_definitions = jsonencode([
    { name = "api", image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1", stopTimeout = 60 }
  ])
}

resource "aws_ecs_task_definition" "web" {
  family = "web"
  container_definitions = jsonencode([
    { name = "web", image = "nginx:1.27", stopTimeout = 60 }
  ])
}

resource "aws_ecs_service" "api" {
  name            = "api"
  launch_type     = "FARGATE"
  task_definition = aws_ecs_task_definition.api.arn
  network_configuration {
    subnets          = [aws_subnet.isolated.id, aws_subnet.unassociated.id]
    assign_public_ip = false
  }
}

resource "aws_ecs_service" "web" {
  name            = "web"
  launch_type     = "FARGATE"
  task_definition = aws_ecs_task_definition.web.arn
  network_configuration {
    subnets = [aws_subnet.igw_only.id]
  }
}

resource "aws_ecs_service" "public_web" {
  name            = "public-web"
  launch_type     = "FARGATE"
  task_definition = aws_ecs_task_definition.web.arn
  network_configuration {
    subnets          = [aws_subnet.igw_only.id]
    assign_public_ip = true
  }
}
