"""Start moto's standalone server for the tests and the demo.

    .venv/bin/python emulator/moto_server.py -p PORT [--exit-with-parent]

Flags are moto_server's (-H host, default 127.0.0.1; -p port), plus:

--exit-with-parent  exit as soon as the process that started this one is gone, so that a test
                    run that dies (Rust never drops its statics) cannot leave a server behind.

Every emulator/ext_*.py module next to this file is imported and its install() called before
the server starts: they patch moto where the tests need behaviour it does not model.
"""

import importlib
import os
import pathlib
import sys
import threading
import time


def watch_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(0)
        time.sleep(0.2)


def main() -> None:
    argv = sys.argv[1:]
    if "--exit-with-parent" in argv:
        argv.remove("--exit-with-parent")
        threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()

    here = pathlib.Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    for ext in sorted(here.glob("ext_*.py")):
        importlib.import_module(ext.stem).install()

    from moto.server import main as moto_main

    moto_main(argv)


if __name__ == "__main__":
    main()
