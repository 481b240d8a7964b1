"""Entry point: ``python -m flows.bnn_baselines``."""

import sys

from flows.bnn_baselines.flow import main

sys.exit(main())
