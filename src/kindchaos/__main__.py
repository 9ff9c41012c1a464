"""`python -m kindchaos`: the same as the `kindchaos` command."""

import sys

from kindchaos.cli import main

sys.exit(main())
