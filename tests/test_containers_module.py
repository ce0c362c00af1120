"""The Testcontainers module (``mockserver.containers``) where no Docker API is: without its extra it says
which to install.  Its how-to (tests/docker_api) runs it against a container in .ci/run."""
import importlib
import subprocess
import sys

import pytest


def test_without_testcontainers_the_module_names_the_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "testcontainers", None)  # None in sys.modules: not installed, to import
    monkeypatch.delitem(sys.modules, "mockserver.containers", raising=False)

    with pytest.raises(ImportError, match=r"^mockserver\.containers needs testcontainers-python: "
                                          r"pip install 'hypertrack-mock\[containers\]'$") as raised:
        importlib.import_module("mockserver.containers")
    assert raised.value.name == "testcontainers"


def test_the_plugin_and_the_package_never_import_testcontainers():
    """The pytest plugin loads in every user's session: the optional extra must stay optional."""
    code = "import mockserver.plugin, mockserver.testing, mockserver.cli, sys; print('testcontainers' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"
