"""`manage.py run_demo [ADDRPORT]`: list the demo sign-ins, then run the site with its task worker.

Starts `manage.py db_worker --no-reload` (the database task queue's worker, for GIAS imports and other
background work) and `manage.py runserver ADDRPORT --noreload` as child processes, and stops both
on Ctrl-C, on SIGTERM or when either exits. Run `load_demo_data` first (`make demo` does).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from careershub.demo.builder import sign_ins

MANAGE_PY = Path(settings.BASE_DIR) / "manage.py"
#: How long a child gets to stop after SIGTERM before it is killed.
STOP_TIMEOUT = 10.0


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(headers, widths, strict=True)),
        "  ".join("-" * width for width in widths),
    ]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def stop(process: subprocess.Popen[bytes] | None, name: str, write: Any) -> None:
    if process is None or process.poll() is not None:
        return
    write(f"Stopping the {name} (process {process.pid})...")
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Command(BaseCommand):
    help = "List the demo sign-ins, then run the web server and the task worker until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000", help="Address and port of the web server")
        parser.add_argument("--no-worker", action="store_true", help="Do not start the task worker")

    def handle(self, *args: Any, **options: Any) -> None:
        self.print_sign_ins(options["addrport"])
        worker: subprocess.Popen[bytes] | None = None
        server: subprocess.Popen[bytes] | None = None
        previous = signal.signal(signal.SIGTERM, self._terminate)
        try:
            if options["no_worker"]:
                pass
            elif getattr(settings, "TASKS_BACKEND", "database") == "database":
                worker = subprocess.Popen([sys.executable, str(MANAGE_PY), "db_worker", "--no-reload"])  # noqa: S603
                self.stdout.write(f"Task worker started (process {worker.pid}).")
            else:
                self.stdout.write(f"TASKS_BACKEND is {settings.TASKS_BACKEND}: start its worker yourself.")
            command = [sys.executable, str(MANAGE_PY), "runserver", options["addrport"], "--noreload"]
            server = subprocess.Popen(command)  # noqa: S603
            while server.poll() is None:
                if worker is not None and worker.poll() is not None:
                    self.stderr.write(f"The task worker stopped (exit status {worker.returncode}).")
                    break
                time.sleep(0.5)
        except KeyboardInterrupt:
            self.stdout.write("")
        finally:
            stop(server, "web server", self.stdout.write)
            stop(worker, "task worker", self.stdout.write)
            signal.signal(signal.SIGTERM, previous)
        self.stdout.write("Demo stopped.")

    @staticmethod
    def _terminate(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    def print_sign_ins(self, addrport: str) -> None:
        rows = sign_ins()
        if not rows:
            self.stdout.write(self.style.WARNING("No demo accounts: run `manage.py load_demo_data` first."))
            return
        table = format_table(
            ["Role", "Organisation", "Email", "Password", "Who"],
            [[r.role, r.organisation, r.email, r.password, r.description] for r in rows],
        )
        host = addrport if ":" in addrport else f"127.0.0.1:{addrport}"
        self.stdout.write(f"Demo sign-ins (demo only: every account has the same password)\n\n{table}\n")
        self.stdout.write(f"Sign in at http://{host}/ . Press Ctrl-C to stop the site and the task worker.\n")
