resource "a" "b" {
  name = "wéb-${var.env}"
  x = <<-EOT
	  [{"k": "€"}]
	  EOT
  y = jsonencode({ "é" = [1, -2.5e3, null, true] })
  z = 
