"""`python -m qtconvert`."""

import sys

from .cli import main

sys.exit(main())
