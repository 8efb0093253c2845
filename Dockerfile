# syntax=docker/dockerfile:1

# ---- build stage ---------------------------------------------------------
FROM rust:1-bookworm AS builder

RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# The whole workspace: root Cargo.toml/Cargo.lock, crates/, migrations/,
# search-index/ (see .dockerignore for what is left out).
COPY . .

RUN cargo build --release --locked --bin kynnys \
    && cp target/release/kynnys /usr/local/bin/kynnys

# ---- runtime stage -------------------------------------------------------
FROM debian:bookworm-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/*

COPY --from=builder /usr/local/bin/kynnys /usr/local/bin/kynnys

RUN groupadd --system kynnys \
    && useradd --system --gid kynnys --home-dir /var/lib/kynnys --shell /usr/sbin/nologin kynnys \
    && mkdir -p /var/lib/kynnys/data /var/lib/kynnys/index \
    && chown -R kynnys:kynnys /var/lib/kynnys

USER kynnys
WORKDIR /var/lib/kynnys

ENV KYNNYS_DATA_DIR=/var/lib/kynnys/data \
    KYNNYS_INDEX_DIR=/var/lib/kynnys/index \
    KYNNYS_LISTEN=0.0.0.0:8080

EXPOSE 8080

# No HEALTHCHECK: the slim image has no curl/wget to probe the HTTP endpoint.

ENTRYPOINT ["kynnys"]
CMD ["serve"]
