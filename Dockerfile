# herald: multi-stage build. The build stage runs the same `cargo build --release --locked`
# as CI; the final image is distroless (glibc, CA certificates, tzdata, a non-root user) and
# holds only the binary and the default config — about 25 MB.
#
#   docker build -t herald .
#   docker run -d --name herald -v $PWD/config:/config -v herald-data:/data \
#       --env-file herald.env herald
#
# Mount your own /config (herald.toml, events/, templates/); the ledger lives in /data.

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
    && mkdir -p /out/data

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/herald /usr/local/bin/herald
COPY --chown=nonroot:nonroot config /config
# The ledger directory must exist and belong to the non-root user (distroless has no shell).
COPY --from=build --chown=nonroot:nonroot /out/data /data
ENV HERALD_CONFIG=/config/herald.toml
VOLUME ["/config", "/data"]
USER nonroot
# /healthz answers on the `listen` address from herald.toml (loopback inside the container).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/herald", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/herald"]
CMD ["run", "--log-format", "json"]
