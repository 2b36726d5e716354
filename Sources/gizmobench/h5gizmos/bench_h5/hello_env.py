"""Show the environment this gizmo runs in, a name and its value on each row,
values of names that look secret hidden
(scripts/some_gizmo_demos/hello_env.lua, with H5Gizmos' API)."""

import os

from H5Gizmos import Html, Shelf, Stack, Text, serve

SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD", "KEY")


def looks_secret(name):
    return any(word in name.upper() for word in SECRET_WORDS)


async def task():
    rows = []
    for name in sorted(os.environ):
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
