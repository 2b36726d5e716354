"""A Python H5Gizmos gizmo for the interop tests: a Button that changes a Text.

Run it with GIZMO_LINK_PREFIX pointing at a gizmolua server, and it prints a
`GIZMO_LINK:` link through that server's /connect/ proxy.
"""

from H5Gizmos import Button, Stack, Text, serve


async def task():
    out = Text("waiting")
    clicks = 0

    def on_click(*args):
        nonlocal clicks
        clicks += 1
        out.text(f"clicked {clicks}")

    await Stack([Button("Click me", on_click=on_click), out]).link()


if __name__ == "__main__":
    serve(task())
