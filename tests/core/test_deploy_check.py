"""`stijging check --deploy` reports nothing with the production settings of docs/operations/deploy.md
(issue 12, item 5): the settings file there is read as an operator would write it."""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_MD = ROOT / "docs" / "operations" / "deploy.md"


def deploy_environment() -> dict[str, str]:
    """The variables of the `stijging.env` block under "## 4. Settings" in deploy.md."""
    text = DEPLOY_MD.read_text(encoding="utf-8")
    section = text[text.index("## 4. Settings") :]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "deploy.md lost its settings block"
    env = {}
    for line in block.group(1).splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip().strip('"')
    return env


def test_the_deploy_guide_names_the_settings_a_production_needs():
    env = deploy_environment()
    assert env["DEBUG"] == "0"
    assert env["STIJGING_PROXY_HOPS"] == "1"
    assert env["EMAIL_BACKEND"] == "smtp"


def test_check_deploy_reports_nothing_with_the_production_settings_of_the_deploy_guide(tmp_path):
    env = deploy_environment()
    # What the guide asks the operator to generate or fill in; paths under the test's own folder.
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    env["EMAIL_HOST_PASSWORD"] = "not-used-by-the-check"
    env["STIJGING_VAR_DIR"] = str(tmp_path)
    env["STIJGING_AUDIT_ANCHOR_FILE"] = str(tmp_path / "audit" / "audit-anchor.log")
    env.update(
        {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src"), "DJANGO_SETTINGS_MODULE": "stijging.settings"}
    )
    completed = subprocess.run(
        [sys.executable, "-m", "stijging", "check", "--deploy", "--fail-level", "DEBUG"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "System check identified no issues" in completed.stdout
