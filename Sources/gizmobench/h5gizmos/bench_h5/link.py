"""H5Gizmos' GizmoLink, the application its `gizmo_link PORT` console script
serves, on the loopback interface only (the console script listens on all
interfaces): `python -m bench_h5.link PORT`."""

import sys

from aiohttp import web
from H5Gizmos.python.gizmo_link import GizmoLink


def main():
    port = int(sys.argv[1])
    app = GizmoLink(port, "/", "GizmoLink", verbose=False).get_app()
    web.run_app(app, host="127.0.0.1", port=port, print=None)


if __name__ == "__main__":
    main()
