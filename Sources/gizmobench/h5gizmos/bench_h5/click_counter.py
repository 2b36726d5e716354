"""A Button that updates a Text: "clicked 1", "clicked 2", ...
(Tests/e2e/gizmos/click_counter.lua, with H5Gizmos' API)."""

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
