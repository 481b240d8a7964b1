"""Entry point: ``python -m flows.weight_distributions``."""

import sys

from flows.weight_distributions.flow import main

sys.exit(main())
