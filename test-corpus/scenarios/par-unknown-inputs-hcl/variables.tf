variable "payments_count" {
  type = number
}

variable "min_healthy" {
  type = number
}

variable "port" {
  type = number
}

variable "image_tag" {
  type = string
}

