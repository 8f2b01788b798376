"""The Rasa server's launcher: ``python -m bot.rasa_server ARGS`` is ``rasa ARGS`` with
bot.rasa_server.install() first — the one place the patches are installed. bot.stack, the Makefile,
the benchmarks and the tests start Rasa this way. A Rasa that does not match the patches stops here
with the reason on standard error and exit status 2."""
from __future__ import annotations

import sys

from bot.rasa_server.install import RasaPatchError, install


def main() -> None:
    try:
        install()
    except RasaPatchError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(2)
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
