"""The demo's web app: a tiny HTTP API whose health depends on its database schema.

    DB_HOST=... DB_PORT=... DB_NAME=... DB_USER=... DB_PASSWORD=... APP_VERSION=<git sha> \
        python3 app.py PORT_FILE

GET /health answers 503 with {"status": "migrating", ...} until the database's schema (the
highest version in the table schema_version, written by ./migrate) is the version this release
expects (the number of files in migrations/, as if baked into the image), then 200 with
{"status": "ok", "version": APP_VERSION, "schema": N}. GET /orders lists the orders table.
The standard library has no PostgreSQL driver, so the app asks psql (the password goes to
psql's environment, never its argv). It listens on a free loopback port and writes the number
to PORT_FILE once it listens.
"""

import http.server
import json
import os
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
EXPECTED_SCHEMA = len(list((HERE / "migrations").glob("*.sql")))
VERSION = os.environ.get("APP_VERSION", "unknown")
PSQL_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "PGHOST": os.environ["DB_HOST"],
    "PGPORT": os.environ["DB_PORT"],
    "PGDATABASE": os.environ["DB_NAME"],
    "PGUSER": os.environ["DB_USER"],
    "PGPASSWORD": os.environ["DB_PASSWORD"],
    "PGCONNECT_TIMEOUT": "2",
}


def query(sql):
    """Rows of a query as lists of strings; raises RuntimeError with psql's message."""
    run = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         env=PSQL_ENV, capture_output=True, text=True, timeout=5)
    if run.returncode != 0:
        raise RuntimeError(run.stderr.strip().splitlines()[-1] if run.stderr.strip() else f"psql exited {run.returncode}")
    return [line.split("\t") for line in run.stdout.splitlines() if line]


def schema_version():
    """The schema's version: 0 before the first migration."""
    if query("SELECT to_regclass('schema_version') IS NULL")[0][0] == "t":
        return 0
    return int(query("SELECT coalesce(max(version), 0) FROM schema_version")[0][0])


class App(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body):
        data = (json.dumps(body) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        try:
            if self.path == "/health":
                schema = schema_version()
                if schema == EXPECTED_SCHEMA:
                    self.reply(200, {"status": "ok", "version": VERSION, "schema": schema})
                else:
                    self.reply(503, {"status": "migrating", "version": VERSION, "schema": schema,
                                     "expected_schema": EXPECTED_SCHEMA})
            elif self.path == "/orders":
                rows = query("SELECT id, customer, status FROM orders ORDER BY id")
                self.reply(200, [{"id": int(i), "customer": c, "status": s} for i, c, s in rows])
            else:
                self.reply(404, {"error": "not found"})
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            self.reply(503, {"status": "database unavailable", "version": VERSION, "error": str(e)})


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), App)
    server.daemon_threads = True
    pathlib.Path(sys.argv[1]).write_text(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
