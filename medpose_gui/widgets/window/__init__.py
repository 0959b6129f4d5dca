"""The window room: the pieces of the main window's frame, built before any project opens.

The action table (every menu and toolbar command with its shortcut and tooltip), the
"Open recent" menu, the application's identity (names, icon) and what happens before the
window appears (nothing heavy: torch loads in the worker after the first frame). ``medpose_gui.app``
puts them together with the other rooms; nothing here knows a project. The top room of
the widgets.
"""
