"""Entry point: ``python -m flows.bounded_rectifiers``."""

import sys

from flows.bounded_rectifiers.flow import main

sys.exit(main())
