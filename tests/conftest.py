"""Test-wide settings.

Qt renders offscreen. Torch runs one intra-op thread: on the 2-core CI machine the GUI
tests' decode/prefetch threads compete with torch's pool, and two torch threads then
stall for seconds (measured: 6 small frames took 37 s with 2 threads, 1.6 s with 1 under
load). The fixtures' tolerances hold for 1 thread (fixtures/*/README.md, Tolerances).
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_NUM_THREADS", "1")
