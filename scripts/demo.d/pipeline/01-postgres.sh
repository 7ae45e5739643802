# shellcheck shell=bash
# A throwaway PostgreSQL: initdb into the demo's temporary directory, a free loopback port,
# password (SCRAM) authentication, a database and a user for the app. Stopped on exit
# (pg_ctl stop -m immediate), also when the demo is interrupted.
# Sourced by scripts/demo (set -euo pipefail; helpers stage, echo_cmd, fail, at_exit; DEMO_WORK).
# Sets PG_PORT, DB_NAME, DB_USER and the app user's password (db.password in DEMO_WORK, mode 600).

stage "PostgreSQL: a throwaway server on a free loopback port, password authentication"

# The machine's PostgreSQL: on PATH, else where pg_config or Debian put it.
pg_bin=""
for dir in "" "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/*/bin; do
  if [ -z "$dir" ]; then
    initdb=$(command -v initdb || true)
    [ -n "$initdb" ] || continue
    dir=$(dirname "$initdb")
  fi
  if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then pg_bin=$dir; break; fi
done
# Else (or with DEMO_POSTGRES=venv) a self-contained build, installed into .venv on first use:
# the PyPI package pgserver ships PostgreSQL's binaries (relocatable, manylinux), pinned.
if [ -z "$pg_bin" ] || [ "${DEMO_POSTGRES:-}" = venv ]; then
  venv_pg=$("$DEMO_ROOT/.venv/bin/python" -c 'import importlib.util as u, os; s = u.find_spec("pgserver"); print(os.path.join(os.path.dirname(s.origin), "pginstall", "bin") if s else "")' 2>/dev/null || true)
  if [ -z "$venv_pg" ]; then
    echo "PostgreSQL is not installed here: installing a self-contained build into .venv (pgserver==0.1.4)"
    "$DEMO_ROOT/.venv/bin/pip" install --quiet --disable-pip-version-check pgserver==0.1.4 \
      || fail "PostgreSQL is not installed and the self-contained build (pip install pgserver) failed:
install PostgreSQL (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql)
or put its directory (pg_config --bindir) on PATH"
    venv_pg=$("$DEMO_ROOT/.venv/bin/python" -c 'import importlib.util as u, os; s = u.find_spec("pgserver"); print(os.path.join(os.path.dirname(s.origin), "pginstall", "bin"))')
  fi
  pg_bin=$venv_pg
fi
[ -x "$pg_bin/initdb" ] && [ -x "$pg_bin/pg_ctl" ] || fail "PostgreSQL's server binaries (initdb,
pg_ctl, postgres) are not in $pg_bin: install PostgreSQL (apt-get install postgresql)"
if [ "${DEMO_POSTGRES:-}" = venv ] && [ -x "$pg_bin/psql" ]; then
  export PATH="$pg_bin:$PATH"
fi
command -v psql >/dev/null || [ -x "$pg_bin/psql" ] \
  || fail "psql is missing: install PostgreSQL's client (apt-get install postgresql-client)"
command -v psql >/dev/null || export PATH="$PATH:$pg_bin"

# PostgreSQL refuses to run as root: then the server runs as the user postgres (or nobody).
pg_as=()
if [ "$(id -u)" = 0 ]; then
  pg_user=$(id -u postgres >/dev/null 2>&1 && echo postgres || echo nobody)
  command -v setpriv >/dev/null || fail "running as root, the demo starts PostgreSQL as $pg_user
with setpriv, which is missing: install util-linux, or run the demo as another user"
  pg_as=(setpriv "--reuid=$pg_user" "--regid=$(id -g "$pg_user")" --clear-groups --)
  chmod 711 "$DEMO_WORK" # the server's user may pass through to its own directory
  "${pg_as[@]}" test -x "$DEMO_WORK" || fail "the user $pg_user cannot reach $DEMO_WORK (PostgreSQL
refuses to run as root, so it runs as $pg_user): make the directories above it searchable
(chmod o+x), or set TMPDIR to a directory that is"
fi
pg_dir=$DEMO_WORK/postgres
mkdir "$pg_dir"
admin_password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
printf '%s\n' "$admin_password" >"$pg_dir/admin.pw"
[ ${#pg_as[@]} -eq 0 ] || chown -R "$pg_user" "$pg_dir"
pg() { "${pg_as[@]}" "$pg_bin/$1" "${@:2}"; }
echo_cmd "initdb -D $pg_dir/data --auth=scram-sha-256 --username=postgres --pwfile=admin.pw"
pg initdb -D "$pg_dir/data" --auth=scram-sha-256 --username=postgres --pwfile="$pg_dir/admin.pw" \
  --encoding=UTF8 --no-locale --no-sync --no-instructions >"$pg_dir/initdb.log" 2>&1 \
  || { cat "$pg_dir/initdb.log" >&2; fail "initdb failed"; }
rm "$pg_dir/admin.pw"
at_exit "${pg_as[@]}" "$pg_bin/pg_ctl" stop -D "$pg_dir/data" -m immediate -w

# A free port: the system picks one for a socket that is then closed; should another process
# take it before the server binds it, the server fails to start and another port is tried.
PG_PORT=""
for attempt in 1 2 3 4 5; do
  port_try=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  echo_cmd "pg_ctl start -D $pg_dir/data -o '-h 127.0.0.1 -p $port_try -k \"\"'"
  if pg pg_ctl start -D "$pg_dir/data" -w -t 30 -l "$pg_dir/server.log" \
    -o "-h 127.0.0.1 -p $port_try -k '' -c fsync=off -c full_page_writes=off" >/dev/null; then
    PG_PORT=$port_try
    break
  fi
  grep -q 'could not bind\|in use' "$pg_dir/server.log" || { cat "$pg_dir/server.log" >&2; fail "PostgreSQL did not start"; }
  echo "port $port_try was taken meanwhile (attempt $attempt); another one"
done
[ -n "$PG_PORT" ] || fail "PostgreSQL found no free port in 5 attempts"

# The app's user and database; its password is what Terraform will output as db_password.
DB_NAME=orders DB_USER=api
head -c 24 /dev/urandom | base64 | tr -d '\n' >"$DEMO_WORK/db.password"
echo_cmd "psql -h 127.0.0.1 -p $PG_PORT -U postgres <<< \"CREATE ROLE $DB_USER LOGIN PASSWORD '...'; CREATE DATABASE $DB_NAME OWNER $DB_USER\""
PGPASSWORD=$admin_password psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres \
  -d postgres >/dev/null <<SQL
CREATE ROLE $DB_USER LOGIN PASSWORD '$(cat "$DEMO_WORK/db.password")';
CREATE DATABASE $DB_NAME OWNER $DB_USER;
SQL
unset admin_password
version=$(PGPASSWORD=$(cat "$DEMO_WORK/db.password") psql -X -t -A -h 127.0.0.1 -p "$PG_PORT" \
  -U "$DB_USER" -d "$DB_NAME" -c 'SHOW server_version')
if PGPASSWORD=wrong psql -X -h 127.0.0.1 -p "$PG_PORT" -U "$DB_USER" -d "$DB_NAME" -c 'SELECT 1' >/dev/null 2>&1; then
  fail "a wrong password was accepted"
fi
echo "PostgreSQL ${version%% *} on 127.0.0.1:$PG_PORT; user $DB_USER logs in with its password, a wrong one is refused (checked)"
verdict "PostgreSQL ${version%% *} on 127.0.0.1:$PG_PORT (temp dir), password auth"
