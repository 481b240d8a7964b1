"""``python -m hwgen`` runs the command line."""

import sys

from hwgen.cli import main

sys.exit(main())
