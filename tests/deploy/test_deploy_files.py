"""The deployment files, validated offline: no Docker engine or cluster runs here (or in CI).

hadolint lints the Dockerfile, check-jsonschema validates compose.yaml against the vendored
Compose specification, kubernetes-validate checks every manifest against the Kubernetes schemas
(strict: unknown fields fail). What this cannot prove: that the images build and the stack starts.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from pipelines.core.settings import ROOT, Settings

MANIFESTS = sorted((ROOT / "deploy" / "k8s").glob("*.yaml"))


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    if shutil.which(cmd[0]) is None:
        pytest.fail(f"{cmd[0]} is missing: pip install -r requirements-dev.txt")
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_dockerfile_passes_hadolint():
    result = _run("hadolint", "--failure-threshold", "info", "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_file_matches_the_compose_spec():
    result = _run("check-jsonschema", "--builtin-schema", "vendor.compose-spec", "compose.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_kubernetes_manifests_are_valid():
    assert MANIFESTS, "deploy/k8s/ has no manifests"
    result = _run("kubernetes-validate", "--strict", "--quiet", *map(str, MANIFESTS))
    assert result.returncode == 0, result.stdout + result.stderr


def _env_names(mapping: dict) -> set[str]:
    return {k for k in mapping if k.startswith("AIYO_")}


def test_every_aiyo_variable_in_the_stack_is_a_setting():
    """A typo in compose.yaml or a ConfigMap would silently fall back to a default."""
    fields = {f"AIYO_{name.upper()}" for name in Settings.model_fields}
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    used = _env_names(compose["services"]["app"]["environment"])
    for path in MANIFESTS:
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc and doc.get("kind") == "ConfigMap":
                used |= _env_names(doc["data"])
    assert used and used <= fields, sorted(used - fields)


def test_the_image_runs_what_the_readme_runs():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert 'CMD ["python", "app.py"]' in dockerfile and "/health" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert "indexes/qdrant" in ignored and ".git" in ignored
    assert not any(Path(p).suffix == ".md" for p in ignored)  # prompts are markdown files under assets/
