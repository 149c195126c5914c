# herald: multi-stage build. The build stage runs the same `cargo build --release --locked`
# as CI; the final image is distroless (glibc, CA certificates, tzdata, a non-root user) and
# holds only the binary and the production example config (deploy/herald.toml: no [demo],
# listen address from the environment) — about 25 MB. CI lints this file with hadolint.
#
#   docker build -t herald .
#   docker run -d --name herald -p 9464:9464 \
#       -v $PWD/config:/config:ro -v herald-data:/data --env-file herald.env herald
#
# Mount your own /config (herald.toml, events/, templates/); the ledger lives in /data.
# A corporate CA: mount a PEM bundle (the system roots plus yours) and set SSL_CERT_FILE.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# Dependencies first, so editing herald's code does not rebuild them.
COPY Cargo.toml Cargo.lock ./
COPY .cargo .cargo
RUN mkdir -p src tests && echo 'fn main() {}' > src/main.rs && touch src/lib.rs tests/main.rs \
    && cargo build --release --locked \
    && rm -rf src tests
COPY src src
COPY tests/main.rs tests/main.rs
RUN touch src/main.rs src/lib.rs && cargo build --release --locked \
    && mkdir -p /out/data /out/config/events /out/config/templates

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/herald /usr/local/bin/herald
# The production example config with empty events/ and templates/ (distroless has no shell
# to create them); the ledger directory belongs to the non-root user (uid 65532).
COPY --from=build --chown=65532:65532 /out/config /config
COPY --chown=65532:65532 deploy/herald.toml /config/herald.toml
COPY --from=build --chown=65532:65532 /out/data /data
ENV HERALD_CONFIG=/config/herald.toml \
    HERALD_LISTEN=0.0.0.0:9464
VOLUME ["/config", "/data"]
USER 65532:65532
# /healthz and /metrics (Prometheus text).
EXPOSE 9464
# `herald healthcheck` reaches the wildcard listen address on loopback.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/herald", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/herald"]
CMD ["run", "--log-format", "json"]
