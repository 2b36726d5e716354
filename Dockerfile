# gizmolua in a container: `serve /scripts` on port 9898, all interfaces.
#
#   podman build --format docker -t gizmolua .        (or: docker build -t gizmolua .)
#   podman run --rm --publish 9898:9898 gizmolua       -> the printed link, as http://localhost:9898/?token=...
#
# It listens on all interfaces, so it asks a token (made at start and printed
# in the log, or --env GIZMO_TOKEN=...); docs/deploy.md, "The token".
#
# docs/deploy.md, "Containers", has the recipes (your own scripts, one gizmo
# with `gizmolua run`, the environment). `make container-test` builds the
# image from a binary built on the host and a Debian base made with
# debootstrap, so it needs no registry:
#   --target prebuilt --build-arg RUNTIME_BASE=localhost/gizmolua-base:bookworm
# (`--format docker` keeps the HEALTHCHECK, which OCI images have no field for.)

# The image the binary is built in: Swift 6.2 or newer on the Debian release
# of RUNTIME_BASE, so the binary and the runtime share one glibc.
ARG SWIFT_IMAGE=docker.io/library/swift:6.2-bookworm
# The runtime's base: Debian, to which the runtime stage adds liblua5.4-0, libjemalloc2 and libsqlite3-0.
ARG RUNTIME_BASE=docker.io/library/debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends liblua5.4-dev libjemalloc-dev libsqlite3-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Package.swift names test targets too, so their folders must exist.
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
# The Swift runtime linked in statically: the runtime stage needs no Swift,
# only glibc, libstdc++, zlib, Lua, jemalloc and SQLite. Stripped: 80 MB instead of 154.
RUN swift build -c release --static-swift-stdlib --product gizmolua \
 && install -D -s -m 0755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/gizmolua" /out/gizmolua

# Everything of the image but the binary, shared by the two images below.
FROM ${RUNTIME_BASE} AS runtime-base
# Lua 5.4, jemalloc and SQLite are the libraries the binary needs beyond glibc. A
# base that has them already (the debootstrapped one of the tests) needs no
# apt, no network.
RUN if ! dpkg -s liblua5.4-0 libjemalloc2 libsqlite3-0 >/dev/null 2>&1; then \
        apt-get update \
     && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends liblua5.4-0 libjemalloc2 libsqlite3-0 \
     && rm -rf /var/lib/apt/lists/*; \
    fi \
 && useradd --uid 10001 --user-group --create-home --home-dir /home/gizmo --shell /usr/sbin/nologin gizmo \
 && mkdir -p /data \
 && chown gizmo:gizmo /data
# The demos; a volume on /scripts, or `FROM gizmolua` + `COPY my_gizmos /scripts`,
# replaces them. Owned by root: the server only reads scripts.
COPY scripts /scripts

# Listen on all interfaces: the published port reaches the container's own
# address, never its loopback; so every request but /healthz and /ping needs
# the token. gz.data_path writes under /data (a volume to keep it). The
# demos' grants: job_monitor starts its job, system_monitor reads /proc (an
# image of your own gizmos sets its own, or none).
ENV GIZMO_BIND_ADDRESS=0.0.0.0 \
    GIZMO_DATA_DIR=/data \
    GIZMO_LOG_OUTPUT=stdout \
    GIZMO_ALLOW_RUN=/scripts/job_monitor/train.sh \
    GIZMO_ALLOW_READ=/proc
# A number, not a name, so that `runAsNonRoot` checks can see it is not root.
USER 10001:10001
WORKDIR /home/gizmo
EXPOSE 9898

# No curl in the image: bash's /dev/tcp asks /healthz on the port serve
# listens on (GIZMO_USE_PORT when set, as serve's own default does).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${GIZMO_USE_PORT:-9898} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

# No ENTRYPOINT, so `podman run IMAGE gizmolua run /scripts/M/S.lua` reads as
# on a host. Logs go to stderr, the link to stdout, both unbuffered.
CMD ["gizmolua", "serve", "/scripts", "--no-reload"]

# The image of `make container-test`: the binary built on the host (of the
# same Debian release, `swift build -c release --static-swift-stdlib`), put
# in the context as .build-container/gizmolua. The build stage is not built.
FROM runtime-base AS prebuilt
COPY .build-container/gizmolua /usr/local/bin/gizmolua

# The default target, last: the binary of the build stage. (A stage chosen by
# a build argument, `FROM ${ARG}`, would save a line, but buildah 1.28 then
# skips the build stage when the argument keeps its default, and fails.)
FROM runtime-base AS runtime
COPY --from=build /out/gizmolua /usr/local/bin/gizmolua
