# herdctl in a container: one image for headless nodes and for an attached console.
#   docker build -t herdctl .
#   docker run --rm -e HERD_KEY=secret herdctl --headless --node Riley --bind 0.0.0.0
# The offline gazetteer is built into the binary: the image needs no data files.

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin herdctl \
    && strip target/release/herdctl

FROM debian:bookworm-slim
# Certificates for the Google places source; nothing else is needed at run time.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /home/herd --create-home herd
COPY --from=build /src/target/release/herdctl /usr/local/bin/herdctl
COPY topology.json /etc/herd/topology.json
USER 10001:10001
WORKDIR /home/herd
# Client, peer and control ports of the default herd, and the metrics port the examples use.
EXPOSE 12665-12669 12765-12769 9100
ENTRYPOINT ["herdctl"]
CMD ["--headless", "--bind", "0.0.0.0", "--topology", "/etc/herd/topology.json"]
