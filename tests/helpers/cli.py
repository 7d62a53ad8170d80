"""Running the real `citewise` console script in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CITEWISE = str(Path(sys.executable).parent / "citewise")


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEWISE_")}
    env.update({"HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False"})
    env.update(extra)
    return env


def run_cli(
    *args: str, env: dict[str, str] | None = None, without_file_override: bool = False, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run citewise; `without_file_override` drops root's power to read any file (for permission tests)."""
    command = [CITEWISE, *map(str, args)]
    if without_file_override and os.geteuid() == 0:
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
    return subprocess.run(command, capture_output=True, text=True, env=env or cli_env(), timeout=timeout)


def run_json(*args: str, **kwargs) -> tuple[int, dict]:
    result = run_cli(*args, "--json", **kwargs)
    try:
        return result.returncode, json.loads(result.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"not JSON (exit {result.returncode}):\n{result.stdout}\n{result.stderr}") from None
