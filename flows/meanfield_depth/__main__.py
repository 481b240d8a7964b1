"""Entry point: ``python -m flows.meanfield_depth``."""

import sys

from flows.meanfield_depth.flow import main

sys.exit(main())
