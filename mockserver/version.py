"""The package's version: one place, read by setup.cfg, ``hypertrack-mock --version`` and the OpenAPI document."""
__version__ = "0.5.0"
