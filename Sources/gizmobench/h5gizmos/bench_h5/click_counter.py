"""A Button that updates a Text: "clicked 1", "clicked 2", ...
(Tests/e2e/gizmos/click_counter.lua, with H5Gizmos' API).

Also run as a script by Tests/e2e/test_interop.py, with GIZMO_LINK_PREFIX
pointing at a gizmolua server: it then prints a `GIZMO_LINK:` link through
that server's /connect/ proxy."""

from H5Gizmos import Button, Stack, Text, serve


async def task():
    out = Text("waiting")
    clicks = 0

    def on_click(*event):
        nonlocal clicks
        clicks += 1
        out.text("clicked %d" % clicks)

    await Stack([Button("Click me", on_click=on_click), out]).show()


def main():
    serve(task())


if __name__ == "__main__":
    main()
