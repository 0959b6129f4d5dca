"""The video frame under the annotations: an RGB array shown as a pixmap item."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGraphicsPixmapItem

from medpose_gui.widgets.frame_view.items import style


class FrameImageError(ValueError):
    """An image the frame view cannot show (wrong shape or dtype)."""


def array_to_qimage(image: np.ndarray) -> tuple[QImage, np.ndarray]:
    """A QImage viewing ``image`` (H x W x 3 RGB, H x W x 4 RGBA or H x W grey, uint8).

    Returns the image and the contiguous array it points into: the caller keeps that
    array alive as long as the QImage or anything sharing its data.
    """
    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        raise FrameImageError(f"frame image must be uint8, got {arr.dtype}")
    formats = {3: QImage.Format.Format_RGB888, 4: QImage.Format.Format_RGBA8888}
    if arr.ndim == 2:
        fmt = QImage.Format.Format_Grayscale8
    elif arr.ndim == 3 and arr.shape[2] in formats:
        fmt = formats[arr.shape[2]]
    else:
        raise FrameImageError(f"frame image must be H x W x 3 RGB, got shape {arr.shape}")
    arr = np.ascontiguousarray(arr)
    h, w = arr.shape[:2]
    return QImage(arr.data, w, h, arr.strides[0], fmt), arr


class FrameImageItem(QGraphicsPixmapItem):
    """The frame at scene origin, one scene unit per image pixel."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(style.Z_IMAGE)
        self.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        self._array: np.ndarray | None = None

    def set_image(self, image: np.ndarray | None) -> tuple[int, int] | None:
        """Show ``image`` (None clears); returns its (width, height)."""
        if image is None:
            self.setPixmap(QPixmap())
            self._array = None
            return None
        qimage, arr = array_to_qimage(image)
        self.setPixmap(QPixmap.fromImage(qimage))
        # fromImage converts (copies) on the raster backend; keeping the array costs nothing
        # and stays safe on a backend that would share the buffer instead.
        self._array = arr
        return arr.shape[1], arr.shape[0]

    def set_scale(self, scale: float) -> None:
        """Smooth when shrinking (no aliasing); hard pixels when magnifying (exact placing)."""
        self.setTransformationMode(
            Qt.TransformationMode.SmoothTransformation if scale < 1.0
            else Qt.TransformationMode.FastTransformation)
