"""`python -m orchestration.cli`: the same as the `crowdout` command."""

import sys

from orchestration.cli import main

sys.exit(main())
