"""Graphics items of the frame view: keypoint markers, boxes with resize handles, skeleton
lines, instance labels, and :class:`InstanceItems` which owns one instance's items.

The items only draw. They never react to the mouse or change annotations: the view's
bindings (:mod:`medpose_gui.widgets.view_bindings`) move them during a drag and turn the
finished drag into a core edit. Picking/resizing arithmetic is pure (:mod:`.geometry`).
"""

from medpose_gui.widgets.items.box_item import BoxItem, HandleItem
from medpose_gui.widgets.items.instance_items import DisplayOptions, InstanceItems
from medpose_gui.widgets.items.label_item import LabelItem
from medpose_gui.widgets.items.points_item import MarkerState, PointsItem
from medpose_gui.widgets.items.skeleton_item import SkeletonItem

__all__ = ["BoxItem", "DisplayOptions", "HandleItem", "InstanceItems", "LabelItem",
           "MarkerState", "PointsItem", "SkeletonItem"]
