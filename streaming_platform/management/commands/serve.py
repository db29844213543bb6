"""`manage.py serve`: the production stack on one port: nginx in front, WSGI workers, ASGI workers.

Plain HTTP goes to gunicorn's WSGI workers (several times faster per core for Django than an ASGI
server, see docs/operations.md); WebSocket upgrades go to uvicorn's ASGI workers. nginx
sits in front so both share one port, serves the collected static files, and buffers slow clients.
Without nginx on the machine, uvicorn alone serves everything on the port.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# What nginx itself answers under /api/ (a body or URL too large, a worker unreachable or too slow) is
# JSON in DRF's shape, like every other error there; elsewhere (admin, dashboard) nginx's own pages stay.
NGINX_JSON_ERRORS = {
    400: "Bad request: the request line or a header is malformed or too large.",
    413: "Request body is too large.",
    414: "Request URL is too long.",
    502: "The service is unavailable; try again shortly.",
    503: "The service is unavailable; try again shortly.",
    504: "The service took too long to answer; try again shortly.",
}
# nginx's limit on the request line and each header (large_client_header_buffers); gunicorn's own limits
# are lifted so that nginx, which answers as JSON, is the one that refuses.
NGINX_HEADER_BUFFER = "8k"

NGINX_PROXY = """\
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header Connection "";"""

NGINX_TEMPLATE = """\
worker_processes {nginx_workers};
pid {run}/nginx.pid;
error_log {run}/nginx-error.log warn;
daemon off;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    client_max_body_size {max_body};
    large_client_header_buffers 4 {header_buffer};
    types {{ text/css css; application/javascript js; image/svg+xml svg; image/png png;
             text/plain txt; application/json json; text/html html; font/woff2 woff2; }}
    upstream wsgi {{ server unix:{run}/http.sock; keepalive 64; }}
    upstream asgi {{ server unix:{run}/ws.sock; }}
    map $http_upgrade $connection_upgrade {{ default upgrade; "" ""; }}
    server {{
        listen {host}:{port};
        # Refused while the request line and headers are read, before any location is chosen.
        error_page 400 494 /.errors/400.json;
        error_page 414 /.errors/414.json;
        location /static/ {{ alias {static_root}/; expires 7d; }}
        location /api/ {{
{proxy}
            error_page 413 /.errors/413.json;
            error_page 502 /.errors/502.json;
            error_page 503 /.errors/503.json;
            error_page 504 /.errors/504.json;
            proxy_pass http://wsgi;
        }}
        location / {{
{proxy}
            if ($http_upgrade ~* websocket) {{ return 418; }}
            error_page 418 = @websocket;
            proxy_pass http://wsgi;
        }}
        location @websocket {{
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 1h;
            proxy_pass http://asgi;
        }}
{json_errors}
    }}
}}
"""


def nginx_json_error_locations() -> str:
    lines = []
    for status, detail in NGINX_JSON_ERRORS.items():
        body = json.dumps({"detail": detail}).replace("'", "\\'")
        lines.append(
            f"        location = /.errors/{status}.json {{ internal; default_type application/json; "
            f"return {status} '{body}'; }}"
        )
    return "\n".join(lines)


def nginx_config(*, run: Path, host: str, port: int, nginx_workers: int, static_root, max_body: str) -> str:
    return NGINX_TEMPLATE.format(
        run=run,
        host=host,
        port=port,
        nginx_workers=nginx_workers,
        static_root=static_root,
        max_body=max_body,
        header_buffer=NGINX_HEADER_BUFFER,
        proxy=NGINX_PROXY,
        json_errors=nginx_json_error_locations(),
    )


class Command(BaseCommand):
    help = "Serve HTTP and WebSocket on one port with several worker processes (production)."

    def add_arguments(self, parser):
        cores = os.cpu_count() or 1
        parser.add_argument("--host", default="0.0.0.0")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--http-workers", type=int, default=cores, help="WSGI processes (default: cores).")
        parser.add_argument("--threads", type=int, default=4, help="Threads per WSGI process (default 4).")
        parser.add_argument("--ws-workers", type=int, default=1, help="ASGI processes for WebSocket (default 1).")
        parser.add_argument(
            "--proxies-in-front",
            type=int,
            default=0,
            help="Reverse proxies (load balancer, TLS terminator) in front of this one that append to "
            "X-Forwarded-For (default 0: clients connect directly).",
        )
        parser.add_argument("--run-dir", type=Path, default=None, help="Sockets, pid and logs (default var/serve).")

    def handle(self, *args, **options):
        if settings.DEBUG:
            raise CommandError("serve runs the production configuration: set DEBUG=false (and SECRET_KEY).")
        run = (options["run_dir"] or Path(settings.BASE_DIR) / "var" / "serve").resolve()
        run.mkdir(parents=True, exist_ok=True)
        # nginx's workers run as an unprivileged user when started as root; they must reach the sockets.
        run.chmod(0o755)
        bin_dir = Path(sys.executable).parent
        nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
        processes: list[subprocess.Popen] = []

        def spawn(command: list[str], *, proxies: int | None = None) -> None:
            env = None
            if proxies is not None:
                # The proxies really in front: behind nginx the client is the last X-Forwarded-For entry;
                # without it the header comes from the client and is ignored.
                env = {**os.environ, "NUM_PROXIES": str(proxies)}
            processes.append(subprocess.Popen(command, env=env))

        if nginx:
            for sock in ("http.sock", "ws.sock"):
                (run / sock).unlink(missing_ok=True)
            spawn(
                [
                    str(bin_dir / "gunicorn"),
                    "streaming_platform.wsgi:application",
                    f"--bind=unix:{run / 'http.sock'}",
                    f"--workers={options['http_workers']}",
                    "--worker-class=gthread",
                    f"--threads={options['threads']}",
                    "--keep-alive=30",
                    "--graceful-timeout=10",
                    # nginx limits the request line and headers (and answers as JSON); 0 = no second limit here.
                    "--limit-request-line=0",
                    "--limit-request-field_size=0",
                ],
                proxies=options["proxies_in_front"] + 1,
            )
            spawn(
                [
                    str(bin_dir / "uvicorn"),
                    "streaming_platform.asgi:application",
                    f"--uds={run / 'ws.sock'}",
                    f"--workers={options['ws_workers']}",
                    "--no-access-log",
                    "--lifespan=off",
                ],
                proxies=options["proxies_in_front"] + 1,
            )
            config = run / "nginx.conf"
            config.write_text(
                nginx_config(
                    run=run,
                    host=options["host"],
                    port=options["port"],
                    nginx_workers=max(1, (os.cpu_count() or 1) // 2),
                    static_root=settings.STATIC_ROOT,
                    max_body=f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024 + 64}k",
                )
            )
            spawn([nginx, "-c", str(config), "-e", str(run / "nginx-error.log")])
            self.stdout.write(
                f"Serving on http://{options['host']}:{options['port']}: nginx -> {options['http_workers']} WSGI "
                f"x {options['threads']} threads (HTTP), {options['ws_workers']} ASGI (WebSocket)."
            )
        else:
            workers = options["http_workers"]
            spawn(
                [
                    str(bin_dir / "uvicorn"),
                    "streaming_platform.asgi:application",
                    f"--host={options['host']}",
                    f"--port={options['port']}",
                    f"--workers={workers}",
                    "--no-access-log",
                    "--lifespan=off",
                    # The address is read from X-Forwarded-For by NUM_PROXIES alone, never by uvicorn.
                    "--no-proxy-headers",
                ],
                proxies=options["proxies_in_front"],
            )
            self.stdout.write(f"nginx not found: uvicorn serves HTTP and WebSocket with {workers} workers.")

        def stop(*_):
            for process in processes:
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        finally:
            stop()
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
        failed = [p.args[0] for p in processes if p.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
        if failed:
            raise CommandError(f"Stopped because a server process exited: {', '.join(map(str, failed))}")
