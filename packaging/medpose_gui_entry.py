"""Entry script of the frozen app: the same as the ``medpose-gui`` console script.

PyInstaller needs a script file, not a ``module:function`` entry point; this one only
forwards to :func:`medpose_gui.cli.main` (``medpose-gui [PATH]`` opens the GUI, the
sub-commands run headless).
"""

import multiprocessing
import sys

from medpose_gui.cli import main

if __name__ == "__main__":
    # A frozen program re-executes itself for multiprocessing children (torch DataLoader
    # workers, pyqtgraph's multiprocess); without this they would start the app again.
    multiprocessing.freeze_support()
    sys.exit(main())
