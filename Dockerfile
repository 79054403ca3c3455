# herdctl in a container: one image for headless nodes and for an attached console.
#   docker build -t herdctl .
#   docker run --rm -e HERD_KEY=secret herdctl --headless --node Riley --bind 0.0.0.0
# The offline gazetteer is built into the binary: the image needs no data files.

# Pinned by version tag (no registry was reachable to read their digests when this was written;
# add `@sha256:…` after each tag to pin them exactly).
FROM rust:1.95.0-bookworm AS build
WORKDIR /src
# The release binary without debug info or symbols (about a fifth of its size with them).
ENV CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=symbols
# Dependencies first, in a layer of their own: it is built again only when a Cargo.toml or
# Cargo.lock changes, not on every change to herdctl's sources. Each workspace crate gets an
# empty stand-in for its sources so that cargo can read the workspace.
COPY Cargo.toml Cargo.lock ./
COPY ui/Cargo.toml ui/
COPY crates/core/Cargo.toml crates/core/
COPY crates/teach/Cargo.toml crates/teach/
COPY crates/control/Cargo.toml crates/control/
RUN mkdir -p src benches ui/src crates/core/src crates/teach/src crates/control/src \
    && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && for bench in places load cache trace; do echo 'fn main() {}' > benches/$bench.rs; done \
    && for crate in ui crates/core crates/teach crates/control; do touch $crate/src/lib.rs; done \
    && cargo build --release --locked --bin herdctl \
    && rm -rf src benches ui/src crates/*/src
# Then herdctl itself. Its sources are touched so that cargo rebuilds them over the stand-ins
# (COPY keeps the files' older times).
COPY . .
RUN find src ui crates -name '*.rs' -exec touch {} + \
    && cargo build --release --locked --bin herdctl

FROM debian:bookworm-20251229-slim
# Certificates for the Google places source; nothing else is needed at run time.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /home/herd --create-home herd \
    && mkdir -p /var/lib/herd && chown 10001:10001 /var/lib/herd
COPY --from=build /src/target/release/herdctl /usr/local/bin/herdctl
COPY topology.json /etc/herd/topology.json
USER 10001:10001
WORKDIR /home/herd
# A node's records (--data-dir): mount a volume here to keep them across containers.
VOLUME /var/lib/herd
# Client and peer ports of the default herd, the control port of the compose and Kubernetes
# topologies (the default herd's nodes take free ones), and the metrics port the examples use.
EXPOSE 12665-12669 12765-12769 12865 9100
# Ready: the node serves clients and has caught up (its /readyz). A container started with
# another command needs `--metrics 0.0.0.0:9100` for this, or a HEALTHCHECK of its own
# (`herdctl health HOST:PORT` asks a client port instead).
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
    CMD ["herdctl", "health", "--timeout", "5s", "http://127.0.0.1:9100/readyz"]
ENTRYPOINT ["herdctl"]
CMD ["--headless", "--bind", "0.0.0.0", "--topology", "/etc/herd/topology.json", "--metrics", "0.0.0.0:9100", "--data-dir", "/var/lib/herd"]
