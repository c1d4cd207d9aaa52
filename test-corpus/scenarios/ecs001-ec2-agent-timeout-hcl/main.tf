resource "aws_launch_template" "ecs" {
  name_prefix = "legacy-ecs-"
  image_id = data.aws_ssm_parameter.ecs_ami.value
  instance_type = "m5.large"
  user_data = "IyEvYmluL2Jhc2gKZWNobyBFQ1NfQ0xVU1RFUj1sZWdhY3kgPj4gL2V0Yy9lY3MvZWNzLmNvbmZpZwplY2hvIEVDU19DT05UQUlORVJfU1RPUF9USU1FT1VUPTIwcyA+PiAvZXRjL2Vjcy9lY3MuY29uZmlnCg=="
}

resource "aws_ecs_task_definition" "ec2_app" {
  family = "ec2-app"
  requires_compatibilities = ["EC2"]
  container_definitions = jsonencode([
    {
      name   = "ec2-app"
      image  = "app:1"
      memory = 512
    }
  ])
}

resource "aws_ecs_task_definition" "fargate_app" {
  family = "fargate-app"
  requires_compatibilities = ["FARGATE"]
  cpu = "256"
  memory = "512"
  container_definitions = jsonencode([
    {
      name  = "fargate-app"
      image = "app:1"
    }
  ])
}
