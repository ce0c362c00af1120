"""A Testcontainers module: the mock's image in a container that a test starts and stops.

    from mockserver.containers import HyperTrackMockContainer

    with HyperTrackMockContainer() as mock:                    # pulls IMAGE, waits for /__mock/health
        acme = mock.tenant("acme")                             # a testing.HyperTrackMock on the container
        acme.add_worker("w1")
        requests.get(mock.url + "/orders", auth=mock.auth_for("acme"))

Needs testcontainers-python (``pip install 'hypertrack-mock[containers]'``) and a Docker API (Docker, or
podman's ``podman system service``).  The control helpers are ``testing.HyperTrackMock``'s, the ones the
pytest fixture hands out: ``tenant()`` binds one to the container's URL.
"""
from __future__ import annotations

import os
import uuid

from .testing import HyperTrackMock

try:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.image import DockerImage
    from testcontainers.core.wait_strategies import HttpWaitStrategy
except ImportError as error:  # the extra is optional: say which one, not just the missing module
    raise ImportError("mockserver.containers needs testcontainers-python: "
                      "pip install 'hypertrack-mock[containers]'", name="testcontainers") from error

#: The image users pull (released from this repository's tags); a local tag or a build works the same.
IMAGE = "ghcr.io/your-org/hypertrack-mock:latest"
#: The port the image serves on (its ``EXPOSE``).
PORT = 8080


class HyperTrackMockContainer(DockerContainer):
    """The mock's image in a container, started once ``GET /__mock/health`` answers 200."""

    def __init__(self, image: str = IMAGE, *, build_context: str | os.PathLike | None = None,
                 dockerfile: str = "Dockerfile", publish_on: str = "", startup_timeout: float = 60, **kwargs):
        """``image``: the image to run; with ``build_context`` (a checkout of this repository), the image is
        built from its ``dockerfile`` under that name first, and removed when the container stops.
        ``publish_on``: the host interface the port is published on (all by default, as ``docker run -p``
        does; ``"127.0.0.1"`` keeps the mock off the network when the Docker API is on this machine)."""
        if build_context is not None and image == IMAGE:
            image = f"hypertrack-mock-build:{uuid.uuid4().hex[:12]}"  # never shadow the released image
        super().__init__(image, **kwargs)
        self._build = (DockerImage(path=build_context, tag=image, dockerfile_path=dockerfile)
                       if build_context is not None else None)
        self._built = False
        # a free host port on that interface (docker-py's ``(host_ip, None)`` binding)
        self.ports[str(PORT)] = (publish_on, None) if publish_on else None
        self.waiting_for(HttpWaitStrategy(PORT, "/__mock/health").for_status_code(200)
                         .with_startup_timeout(startup_timeout))

    def start(self) -> HyperTrackMockContainer:
        """Build the image if asked to, start the container and wait until the mock answers."""
        if self._build is not None and not self._built:
            self._build.build()
            self._built = True
        super().start()
        return self

    def stop(self, force: bool = True, delete_volume: bool = True) -> None:
        """Remove the container (and the image built for it, if any)."""
        super().stop(force, delete_volume)
        if self._built:
            self._build.remove()
            self._built = False

    @property
    def url(self) -> str:
        """The mock's base URL on this host, e.g. ``http://localhost:32768``."""
        return f"http://{self.get_container_host_ip()}:{self.get_exposed_port(PORT)}"

    def auth_for(self, account: str, secret: str = "secret") -> tuple[str, str]:
        """What ``requests`` takes as ``auth=`` for ``account`` (the image accepts any secret unless it was
        started with declared accounts)."""
        return (account, secret)

    def tenant(self, account: str | None = None, secret: str = "secret") -> HyperTrackMock:
        """The pytest fixture's handle (``testing.HyperTrackMock``) on ``account`` in this container, or on a
        brand-new account when none is named."""
        if account is None:
            return HyperTrackMock.fresh_tenant(self.url)
        return HyperTrackMock(self.url, account, secret)
