"""PyInstaller runtime hook of the CPU-only bundle (MEDPOSE_CPU_ONLY=1): hide every GPU.

That bundle leaves out the CUDA libraries torch loads only when it computes on a GPU
(cuDNN's engines, cuSOLVER, NVRTC's builtins...). With a GPU visible, device ``auto`` would
pick CUDA and fail on the first convolution; hiding the GPUs makes ``auto`` choose the CPU.
Runs before any application code, so before torch reads the variable.
"""

import os

os.environ["CUDA_VISIBLE_DEVICES"] = ""
