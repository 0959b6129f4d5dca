"""``python -m medpose_gui``: the same as the ``medpose-gui`` command."""

import sys

from medpose_gui.cli import main

if __name__ == "__main__":
    sys.exit(main())
