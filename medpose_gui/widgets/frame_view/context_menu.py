"""The frame view's context menu: point visibility, re-estimate, category, delete.

Built by :func:`context_menu` without being shown, so tests trigger its actions directly.
Each action emits one core edit (or ``reestimateRequested``) through the view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu

from medpose_gui.core import edits
from medpose_gui.core.annotations import Visibility
from medpose_gui.widgets.frame_view.items import style
from medpose_gui.widgets.frame_view.picking import hit_test

if TYPE_CHECKING:
    from medpose_gui.widgets.frame_view.view import FrameView


def context_menu(view: FrameView, view_pos: QPoint) -> QMenu:
    """The menu for a right click at ``view_pos`` (built, not shown: tests trigger actions)."""
    menu = QMenu(view)
    hit = hit_test(view, view.mapToScene(view_pos))
    items = view.items_for(hit.uid) if hit.uid else None
    if items is None or items.inst is None:
        menu.addAction("Fit to window", view.zoom_fit)
        menu.addAction("Actual size (1:1)", view.zoom_actual)
        return menu
    inst, frame = items.inst, view.frame_index
    if hit.is_point:
        k = hit.k
        group = QActionGroup(menu)
        current = Visibility(int(inst.keypoints[k, 2]))
        name = style.keypoint_name(items.names, k)
        for vis in (Visibility.VISIBLE, Visibility.OCCLUDED, Visibility.ABSENT):
            action = QAction(style.VISIBILITY_WORDS[vis].capitalize(), menu, checkable=True)
            action.setChecked(vis == current)
            action.setObjectName(f"visibility_{style.VISIBILITY_WORDS[vis]}")
            group.addAction(action)
            menu.addAction(action)
            if vis != current:
                action.triggered.connect(
                    lambda _=False, v=vis: view.request_edit(
                        edits.set_visibility(frame, inst, k, v, name)))
        menu.addSeparator()
    menu.addAction("Re-estimate pose", lambda: view.reestimateRequested.emit(inst.uid)
                   ).setObjectName("reestimate")
    categories = menu.addMenu("Set category")
    categories.setObjectName("setCategory")
    for name in view.category_names():
        action = categories.addAction(name)
        action.setObjectName(f"category_{name}")
        action.setCheckable(True)
        action.setChecked(name == inst.category)
        if name != inst.category:
            # Points carry over by name (a patient's arms become the user's arms).
            action.triggered.connect(lambda _=False, c=name: view.request_edit(
                edits.set_category(frame, inst, c, view.schema_for(inst.category),
                                   view.schema_for(c))))
    menu.addSeparator()
    delete = menu.addAction("Delete person")
    delete.setObjectName("delete")
    delete.triggered.connect(lambda: (view.select(None), view.request_edit(
        edits.delete_instance(frame, inst))))
    return menu
