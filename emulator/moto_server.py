"""Start moto's standalone server for the tests and the demo.

    .venv/bin/python emulator/moto_server.py -p PORT [--exit-with-parent]

Flags are moto_server's (-H host, default 127.0.0.1; -p port), plus:

--exit-with-parent  exit as soon as the process that started this one is gone, so that a test
                    run that dies (Rust never drops its statics) cannot leave a server behind.
                    The atexit handlers run first (ext_ecs_runner.py stops its processes there),
                    as they do on SIGTERM and SIGINT.
--port-file FILE    instead of -p: listen on a port the system picks and write its number to
                    FILE once the server listens (no window in which another process could
                    take a port chosen in advance).

Every emulator/ext_*.py module next to this file is imported and its install() called before
the server starts: they patch moto where the tests need behaviour it does not model.
"""

import atexit
import importlib
import os
import pathlib
import signal
import sys
import threading
import time


def watch_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            atexit._run_exitfuncs()  # e.g. the local task runner's processes
            os._exit(0)
        time.sleep(0.2)


def serve_on_free_port(host: str, port_file: str) -> None:
    """What moto.server.main does, on port 0, announcing the port once bound."""
    from werkzeug.serving import make_server
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )

    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True
    server = make_server(host, 0, app, threaded=True, request_handler=MotoRequestHandler)
    port = server.socket.getsockname()[1]
    os.environ["MOTO_PORT"] = str(port)  # moto builds some URLs from it
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{port}\n")
    os.replace(tmp, port_file)
    server.serve_forever()


def take_option(argv: list, name: str):
    """Remove `name VALUE` from argv and return VALUE (None when absent)."""
    if name not in argv:
        return None
    i = argv.index(name)
    value = argv[i + 1]
    del argv[i : i + 2]
    return value


def main() -> None:
    argv = sys.argv[1:]
    if "--exit-with-parent" in argv:
        argv.remove("--exit-with-parent")
        threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()

    here = pathlib.Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    for ext in sorted(here.glob("ext_*.py")):
        importlib.import_module(ext.stem).install()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so that atexit handlers run
    port_file = take_option(argv, "--port-file")
    if port_file is not None:
        host = take_option(argv, "-H") or take_option(argv, "--host") or "127.0.0.1"
        if argv:
            sys.exit(f"moto_server.py: --port-file takes only -H besides, not {argv}")
        serve_on_free_port(host, port_file)
        return

    from moto.server import main as moto_main

    moto_main(argv)


if __name__ == "__main__":
    main()
