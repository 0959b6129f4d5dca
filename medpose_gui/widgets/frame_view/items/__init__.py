"""What the frame view draws over the image: boxes with resize handles, skeleton lines,
keypoint markers and instance labels of every instance, painted by one
:class:`AnnotationLayer`, and :class:`InstanceItems`, one instance's share of it.

Nothing here reacts to the mouse or changes annotations: the view's gestures
(:mod:`medpose_gui.widgets.frame_view.gestures`) move points and boxes during a drag and turn the
finished drag into a core edit. Picking/resizing arithmetic is pure (:mod:`.geometry`).
"""

from medpose_gui.widgets.frame_view.items.annotation_layer import AnnotationLayer
from medpose_gui.widgets.frame_view.items.box import Box
from medpose_gui.widgets.frame_view.items.instance_items import DisplayOptions, InstanceItems
from medpose_gui.widgets.frame_view.items.label import Label
from medpose_gui.widgets.frame_view.items.markers import Markers, MarkerState
from medpose_gui.widgets.frame_view.items.skeleton import Skeleton

__all__ = ["AnnotationLayer", "Box", "DisplayOptions", "InstanceItems", "Label", "MarkerState",
           "Markers", "Skeleton"]
