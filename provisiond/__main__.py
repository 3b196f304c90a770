"""`python -m provisiond` is the `provisiond` command."""

import sys

from provisiond.cli import main

sys.exit(main())
