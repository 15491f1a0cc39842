"""``python3 -m greyhub_bridge`` or ``python3 path/to/greyhub_bridge``."""

import os
import sys

if __package__ in (None, ""):
    # Run as a folder: make the package importable by its name.
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    __package__ = "greyhub_bridge"  # noqa: A001

# Before anything slow is imported: a hub killed while this bridge starts is noticed all the same.
from greyhub_bridge import hubwatch  # noqa: E402

hubwatch.start()

from greyhub_bridge.app import main  # noqa: E402

main()
