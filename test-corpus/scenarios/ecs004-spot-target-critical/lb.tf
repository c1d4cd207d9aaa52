resource "aws_lb_target_group" "payments" {
  name        = "payments"
  port        = 8443
  protocol    = "HTTPS"
  target_type = "ip"
}
