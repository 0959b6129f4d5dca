"""The medic's track edits: change a person's track, merge two tracks, split one at a frame.

Each is one :class:`~medpose_gui.core.edits.EditGroup` (one undo step) of per-frame edits
that change only ``track_id`` (a person's values and source stay: a track is not a pose
correction). The factories read the project and change nothing; ``apply`` does.
"""

from __future__ import annotations

from medpose_gui.core.annotations import Instance
from medpose_gui.core.edits import Edit, EditGroup, InstanceChange
from medpose_gui.core.project import Project


class TrackEditError(ValueError):
    """A track edit that cannot be made (the message says why, for the medic)."""


def _relabel(frame: int, pairs: list[tuple[Instance, int | None]], text: str) -> Edit:
    return Edit(frame, text, tuple(InstanceChange(inst, inst.with_track(track))
                                   for inst, track in pairs))


def merge_tracks(project: Project, keep: int, other: int, frame: int = -1) -> EditGroup:
    """Every person of track ``other`` joins track ``keep``. Refused where both tracks have a
    person in the same frame (one track is one person: which one would stay?)."""
    keep, other = int(keep), int(other)
    if keep == other:
        raise TrackEditError(f"track {keep} cannot be merged with itself")
    ours = {f for f, _ in project.track_instances(keep)}
    theirs = project.track_instances(other)
    if not ours or not theirs:
        raise TrackEditError(f"track {keep if not ours else other} has no persons")
    kinds = project.track_category(keep), project.track_category(other)
    if kinds[0] != kinds[1]:
        raise TrackEditError(f"track {keep} is a {kinds[0]}, track {other} a {kinds[1]}: "
                             "a track is one person")
    both = sorted(ours & {f for f, _ in theirs})
    if both:
        shown = ", ".join(str(f) for f in both[:5]) + (" ..." if len(both) > 5 else "")
        raise TrackEditError(f"tracks {keep} and {other} are both in frame(s) {shown}: "
                             "split one of them first")
    text = f"Merge track {other} into {keep}"
    return EditGroup(text, [_relabel(f, [(inst, keep)], text) for f, inst in theirs], frame)


def split_track(project: Project, track: int, at_frame: int) -> EditGroup:
    """The persons of ``track`` from ``at_frame`` on become a new track."""
    tail = project.track_instances(int(track), first=int(at_frame))
    head = project.track_instances(int(track), last=int(at_frame) - 1)
    if not tail or not head:
        raise TrackEditError(f"track {track} has no persons on both sides of frame {at_frame}")
    new = project.next_track_id()
    text = f"Split track {track} at frame {at_frame} (new track {new})"
    return EditGroup(text, [_relabel(f, [(inst, new)], text) for f, inst in tail], at_frame)


def change_track(project: Project, frame: int, inst: Instance, track: int | None, *,
                 onward: bool = False) -> EditGroup:
    """Put person ``inst`` of ``frame`` in ``track`` (None: no track).

    Where ``track`` already has a person in that frame, the two persons swap tracks (an
    identity switch fixed). With ``onward`` the change holds from ``frame`` to the end of
    both tracks: every later person of the two tracks swaps too (the tracker followed the
    wrong person from here on).
    """
    frame, old = int(frame), inst.track_id
    target = None if track is None else int(track)
    if target == old:
        raise TrackEditError(f"the person is already in track {track}")
    kind = None if target is None else project.track_category(target)
    if kind is not None and kind != inst.category:
        raise TrackEditError(f"track {target} is a {kind}, this person a {inst.category}")
    text = f"Set track {target}" + (" from here on" if onward else "")
    if not onward or old is None or target is None:
        pairs = [(inst, target)]
        if target is not None:
            pairs += [(o, old) for o in project.instances(frame)
                      if o.track_id == target and o.uid != inst.uid]
        return EditGroup(text, [_relabel(frame, pairs, text)], frame)
    by_frame: dict[int, list[tuple[Instance, int | None]]] = {}
    for f, person in project.track_instances(old, first=frame):
        by_frame.setdefault(f, []).append((person, target))
    for f, person in project.track_instances(target, first=frame):
        by_frame.setdefault(f, []).append((person, old))
    return EditGroup(text, [_relabel(f, pairs, text) for f, pairs in sorted(by_frame.items())],
                     frame)
