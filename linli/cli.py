"""The `linli` command.

  linli demo     migrate, seed the Huamu demo data, serve on 127.0.0.1:8000
  linli serve    serve with gunicorn (production-style)
  linli <cmd>    any Django management command (migrate, createsuperuser, ...)
"""

from __future__ import annotations

import os
import sys


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()


def _serve(bind: str, workers: int, banner: str = "") -> None:
    from django.conf import settings
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    if banner:  # said once the server is about to listen, not while static files are still being collected
        print(banner, flush=True)
    threads = 1
    if str(settings.DATABASES["default"]["ENGINE"]).endswith("sqlite3"):
        # SQLite takes one writer at a time; threads in one process share it best.
        workers, threads = 1, 8
    argv = [
        "gunicorn", "linli.wsgi:application", "--bind", bind, "--workers", str(workers),
        "--threads", str(threads), "--access-logfile", "-", "--timeout", "120",
    ]
    os.execvp(sys.executable, [sys.executable, "-m", *argv])


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv else "help"
    host = os.environ.get("LINLI_HOST", "127.0.0.1")
    port = os.environ.get("LINLI_PORT", "8000")
    if command == "demo":
        _django()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo")
        _serve(f"{host}:{port}", workers=2, banner=f"\nlinli is running at http://{host}:{port}/  (Ctrl+C to stop)\n")
    elif command == "serve":
        _django()
        _serve(f"{host}:{port}", workers=int(os.environ.get("WEB_CONCURRENCY", "2")))
    elif command in {"help", "-h", "--help"}:
        print(__doc__)
        _django()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["linli", "help"])
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
        from django.core.management import execute_from_command_line

        execute_from_command_line(["linli", *argv])


if __name__ == "__main__":
    main()
