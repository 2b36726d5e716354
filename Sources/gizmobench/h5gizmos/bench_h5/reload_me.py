"""One Text (the counterpart of the bench's reload_me.lua, for
`gizmobench --idle-script reload_me`)."""

from H5Gizmos import Text, serve


async def task():
    await Text("version 0").show()


def main():
    serve(task())
