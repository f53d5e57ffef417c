# Multi-stage build of the service. The Python runtime is not baked in: it is fetched and
# verified into ZONA_CACHE_DIR on first start (or mount a warm cache at /var/cache/zona-utils).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --bin zona-utils

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates python3 python3-pip \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /var/lib/zona zona \
 && mkdir -p /var/lib/zona /var/cache/zona-utils \
 && chown zona /var/lib/zona /var/cache/zona-utils
COPY --from=build /src/target/release/zona-utils /usr/local/bin/zona-utils
COPY policies /etc/zona/policies
USER zona
ENV ZONA_LISTEN=0.0.0.0:8109 \
    ZONA_DATA_DIR=/var/lib/zona \
    ZONA_POLICIES_DIR=/etc/zona/policies \
    ZONA_CACHE_DIR=/var/cache/zona-utils \
    ZONA_LOG_FORMAT=json
EXPOSE 8109
VOLUME ["/var/lib/zona", "/var/cache/zona-utils"]
HEALTHCHECK --interval=10s --timeout=3s CMD ["python3", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8109/health').status == 200 else 1)"]
ENTRYPOINT ["zona-utils"]
CMD ["serve"]
