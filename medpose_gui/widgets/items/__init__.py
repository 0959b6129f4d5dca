"""What the frame view draws over the image: boxes with resize handles, skeleton lines,
keypoint markers and instance labels of every instance, painted by one
:class:`AnnotationLayer`, and :class:`InstanceItems`, one instance's share of it.

Nothing here reacts to the mouse or changes annotations: the view's bindings
(:mod:`medpose_gui.widgets.view_bindings`) move points and boxes during a drag and turn the
finished drag into a core edit. Picking/resizing arithmetic is pure (:mod:`.geometry`).
"""

from medpose_gui.widgets.items.annotation_layer import AnnotationLayer
from medpose_gui.widgets.items.box import Box
from medpose_gui.widgets.items.instance_items import DisplayOptions, InstanceItems
from medpose_gui.widgets.items.label import Label
from medpose_gui.widgets.items.markers import Markers, MarkerState
from medpose_gui.widgets.items.skeleton import Skeleton

__all__ = ["AnnotationLayer", "Box", "DisplayOptions", "InstanceItems", "Label", "MarkerState",
           "Markers", "Skeleton"]
