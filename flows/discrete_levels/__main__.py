"""Entry point: ``python -m flows.discrete_levels``."""

import sys

from flows.discrete_levels.flow import main

sys.exit(main())
