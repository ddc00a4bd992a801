"""``python -m migrate`` is ``tf1-migrate``."""

import sys

from migrate.cli import main

sys.exit(main())
