"""``python -m novel_pyramid.scripts``: the console command without installing it."""

import sys

from novel_pyramid.scripts import main

sys.exit(main())
