"""``python -m micrograd`` does what the ``micrograd`` command does."""

import sys

from micrograd.cli import main

sys.exit(main())
