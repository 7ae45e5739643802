# The demo's infrastructure, as Terraform outputs. A real configuration creates these with the
# AWS provider (aws_ecs_cluster, aws_ecs_service, aws_ecr_repository, aws_db_instance,
# random_password...). The demo creates them in the local emulator and a throwaway PostgreSQL
# instead, and this configuration, without any provider (so `terraform init` needs no
# network), describes them: what a pipeline reads with `terraform output -json`.

terraform {
  required_version = ">= 1.3"
}

variable "cluster" {
  type = string
}

variable "service" {
  type = string
}

variable "subnet_ids" {
  type = list(string)
}

variable "security_group_id" {
  type = string
}

variable "repository_url" {
  type = string
}

variable "db_host" {
  type = string
}

variable "db_port" {
  type = number
}

variable "db_name" {
  type = string
}

variable "db_user" {
  type = string
}

variable "db_password" {
  type      = string
  sensitive = true
}

output "cluster" {
  value = var.cluster
}

output "service" {
  value = var.service
}

output "app_subnet_ids" {
  value = var.subnet_ids
}

output "app_security_group_id" {
  value = var.security_group_id
}

output "repository_url" {
  value = var.repository_url
}

output "db_endpoint" {
  description = "host:port, as an RDS instance's endpoint"
  value       = "${var.db_host}:${var.db_port}"
}

output "db_name" {
  value = var.db_name
}

output "db_user" {
  value = var.db_user
}

output "db_password" {
  value     = var.db_password
  sensitive = true
}
