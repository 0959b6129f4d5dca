"""Tracks: which persons of different frames are the same person (pure numpy + scipy).

:func:`assign_tracks` gives new predictions their track ids as the run service stores them
(:mod:`.assign`), in frame order for a whole run (:class:`RunTracks`, whatever order a cluster
stores its batches in); :func:`link` pairs one frame's persons with the tracks just before it by
box IoU and keypoint similarity (OKS with the schema's sigmas), optimally
(``scipy.optimize.linear_sum_assignment``), with the frame's common (camera) motion
(:mod:`.linker`, :mod:`.similarity`). No Qt, no torch.
"""

from medpose_gui.tracking.assign import TrackingReport, assign_tracks, recent_heads
from medpose_gui.tracking.linker import LinkSettings, TrackHead, head_of, link
from medpose_gui.tracking.run_tracks import RunTracks
from medpose_gui.tracking.similarity import box_area, oks_matrix, similarity_matrix

__all__ = ["LinkSettings", "RunTracks", "TrackHead", "TrackingReport", "assign_tracks", "box_area",
           "head_of", "link", "oks_matrix", "recent_heads", "similarity_matrix"]
