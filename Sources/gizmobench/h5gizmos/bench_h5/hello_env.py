"""Show the environment this gizmo runs in: the variables of a list of names,
a name and its value on each row, values of names that look secret hidden
(scripts/some_gizmo_demos/hello_env.lua, with H5Gizmos' API)."""

import os

from H5Gizmos import Html, Shelf, Stack, Text, serve

SHOWN_NAMES = {"HOME", "USER", "LANG", "PATH", "PWD", "SHELL", "TERM", "TZ", "HOSTNAME"}
SHOWN_PREFIXES = ("GIZMO_", "LC_")
SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD", "KEY")


def is_shown(name):
    return name in SHOWN_NAMES or name.startswith(SHOWN_PREFIXES)


def looks_secret(name):
    return any(word in name.upper() for word in SECRET_WORDS)


async def task():
    rows = []
    for name in sorted(n for n in os.environ if is_shown(n)):
        value = "****" if looks_secret(name) else os.environ[name]
        rows.append(Shelf([
            Text(name, css={"font-weight": "bold", "min-width": "14em"}),
            Text(value, css={"word-break": "break-all"}),
        ]))
    await Stack([
        Html("<h1>Hello environment</h1>"),
        Stack(rows, css={"gap": "0.25em"}),
        "Goodbye.",
    ]).show()


def main():
    serve(task())
