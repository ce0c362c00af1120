"""``python -m mockserver``: the ``hypertrack-mock`` command."""
import sys

from .cli import main

sys.exit(main())
