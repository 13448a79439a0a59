"""`streamlit run APP` on a free 127.0.0.1 port, for the browser tests and the
benchmarks: one way to start the dashboard, wait until it answers and stop it
whole (its own process group, so no server outlives a test run)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from geo.config import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(app: Path, env: Mapping[str, str], log: Path, *,
                start_timeout: float = 120, address: str = "127.0.0.1",
                port: int | None = None, prefix: Sequence[str] = (), cwd: Path = ROOT,
                ) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Yield (URL, process) once `/_stcore/health` answers; the server's output goes
    to `log`, whose text a failed start reports. `address` is what the server listens
    on ("0.0.0.0": as for a team, which the dashboard's roles depend on); the URL is
    always 127.0.0.1's. `prefix` runs the server through another command (tests:
    `setpriv`, to make a read-only folder hold as root). `cwd`: another checkout
    (benchmarks/paired.py), served with its own `static/`."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*prefix, sys.executable, "-m", "streamlit", "run", str(app),
             "--server.address", address, "--server.port", str(port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=cwd, env=dict(env), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_healthy(url, proc, log, start_timeout)
        yield url, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=20)


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"streamlit not healthy after {timeout:.0f} s:\n{log.read_text()}")
