# hypertrack-mock in a container: one process (state is in memory), non-root, shipped scenarios inside.
#   docker build -t hypertrack-mock . && docker run -p 8080:8080 hypertrack-mock
#   replace the scenarios: docker run -p 8080:8080 -v ./my-fixtures:/fixtures hypertrack-mock
#   a release labels the image with the package's version (its one source, mockserver/version.py):
#   docker build --build-arg VERSION="$(python -c 'from mockserver.version import __version__; print(__version__)')" .
# It writes nothing at run time: `docker run --read-only` works as it is (docs/container.md).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml setup.cfg README.md ./
COPY mockserver ./mockserver
COPY fixtures ./fixtures
# pip and setuptools only install: the image runs without them
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir --quiet . \
    && /opt/venv/bin/pip uninstall --yes --quiet pip setuptools

FROM python:3.11-slim
ARG VERSION=dev
ARG SOURCE=https://github.com/your-org/hypertrack-mock
LABEL org.opencontainers.image.title="hypertrack-mock" \
      org.opencontainers.image.description="An in-memory, contract-faithful mock of HyperTrack's Orders API for tests, CI and Postman" \
      org.opencontainers.image.source="$SOURCE" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.licenses="MIT"
COPY --from=build /opt/venv /opt/venv
COPY fixtures /fixtures
RUN useradd --system --no-create-home --shell /usr/sbin/nologin mock
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HYPERTRACK_MOCK_HOST=0.0.0.0 \
    HYPERTRACK_MOCK_PORT=8080 \
    HYPERTRACK_MOCK_FIXTURES=/fixtures \
    HYPERTRACK_MOCK_SCENARIO=default
USER mock
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/__mock/health' % os.environ.get('HYPERTRACK_MOCK_PORT', '8080'), timeout=2)"]
CMD ["hypertrack-mock"]
