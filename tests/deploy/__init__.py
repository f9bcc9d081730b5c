"""Tests of the deployment files (Dockerfile, compose.yaml, deploy/k8s), validated offline."""
