"""Storing model output in a project: the re-run policy's side of :class:`Project`.

A model run replaces only untouched predictions; it never changes an approved frame, never
alters, duplicates or hides a person the medic corrected, drew or accepted, and never brings
back a prediction the medic deleted (the matching is :mod:`medpose_gui.core.rerun_policy`).
Each stored frame is recorded with its run's model identity, so a cancelled run can resume
(:meth:`PredictionStore.frames_predicted_by`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from medpose_gui.core import project_db as db
from medpose_gui.core import project_files as files
from medpose_gui.core.annotations import Instance, ReviewState, Source
from medpose_gui.core.project_files import ProjectError
from medpose_gui.core.project_read import ProjectReader
from medpose_gui.core.rerun_policy import admit_predictions


@dataclass
class StoredPredictions:
    """What :meth:`Project.store_predictions` did (the re-run policy's account)."""

    frames: list[int] = field(default_factory=list)  # frames written, ascending
    replaced: list[str] = field(default_factory=list)  # uids of untouched predictions replaced
    covered_by_medic: int = 0  # new predictions dropped: a medic's person is already there
    deleted_by_medic: int = 0  # new predictions dropped: the medic deleted that prediction
    skipped_approved: int = 0  # frames left alone because they are approved
    instances: int = 0  # new predictions stored



class PredictionStore:
    """Mixin of :class:`medpose_gui.core.project.Project`: model output in, under the
    re-run policy; which frames a run processed; the predictions the medic deleted."""

    path: Path
    _reader: ProjectReader
    _replaced_uids: set[str]
    _last_run: tuple[str | None, int] | None

    def _check_instance(self, frame: int, inst: Instance) -> None: ...  # Project's

    def _touch(self, frames: Iterable[int]) -> None: ...  # Project's

    def _read(self) -> AbstractContextManager[sqlite3.Connection]: ...  # Project's

    def _write(self) -> AbstractContextManager[sqlite3.Connection]: ...  # Project's

    def store_predictions(self, preds: Mapping[int, Sequence[Instance]], *,
                          model_ids: dict | None = None) -> StoredPredictions:
        """Store model output for many frames in one transaction (the re-run policy).

        Approved frames are skipped. In every other frame the PREDICTED (untouched) instances
        are replaced by ``preds[frame]``, except new predictions that match a person the medic
        corrected, drew or accepted (any other source), or a prediction the medic deleted
        (:mod:`medpose_gui.core.rerun_policy`): those are dropped, so a run never duplicates,
        alters or hides the medic's work nor brings back a deletion. Replaced predictions are
        not recorded as deleted (a run is not the medic's judgement). Every stored frame is
        recorded as processed by ``model_ids`` (:meth:`frames_predicted_by`).
        """
        items = sorted((int(f), list(v)) for f, v in preds.items())
        for frame, insts in items:
            for inst in insts:
                self._check_instance(frame, inst)
        if not items:
            return StoredPredictions()
        with self._write() as c:
            approved = {r[0] for r in c.execute(
                "SELECT frame FROM frames WHERE review = ? AND frame BETWEEN ? AND ?",
                (db.REVIEW_CODE[ReviewState.APPROVED], items[0][0], items[-1][0]))}
            todo = [(f, v) for f, v in items if f not in approved]
            self._touch(f for f, _ in todo)
            run_id = self._prediction_run(c, model_ids)
            result = StoredPredictions(frames=[f for f, _ in todo],
                                       skipped_approved=len(items) - len(todo))
            medic, deleted, predicted = self._policy_inputs(c, [f for f, _ in todo])
            admitted = []
            for frame, new in todo:
                admission = admit_predictions(new, medic.get(frame, []), deleted.get(frame, []))
                admitted.append((frame, admission.admitted))
                result.covered_by_medic += admission.covered_by_medic
                result.deleted_by_medic += admission.deleted_by_medic
            result.replaced = predicted
            c.executemany("DELETE FROM instances WHERE frame = ? AND source = ?",
                          [(f, Source.PREDICTED.value) for f, _ in todo])
            c.executemany("INSERT OR IGNORE INTO predicted_frames VALUES (?, ?)",
                          [(f, run_id) for f, _ in todo])
            if len(todo) > 1000:
                next_ord = dict(c.execute("SELECT frame, MAX(ord) + 1 FROM instances GROUP BY frame"))
            else:
                next_ord = {f: c.execute("SELECT MAX(ord) + 1 FROM instances WHERE frame = ?",
                                         (f,)).fetchone()[0] for f, _ in todo}
            flat = [(f, j, inst) for f, insts in admitted for j, inst in enumerate(insts)]
            result.instances = len(flat)
            means = db.mean_scores([inst for _, _, inst in flat])
            rows = [db.encode_instance(inst, f, (next_ord.get(f) or 0) + j, run_id, mean)
                    for (f, j, inst), mean in zip(flat, means, strict=True)]
            try:
                c.executemany(db.INSERT_INSTANCE, rows)
            except sqlite3.IntegrityError as exc:
                raise ProjectError(f"{self.path}: predictions reuse an existing "
                                   f"instance uid ({exc})") from None
        self._replaced_uids.update(result.replaced)
        return result

    def _policy_inputs(self, c: sqlite3.Connection, frames: list[int]
                       ) -> tuple[dict[int, list[Instance]], dict[int, list[Instance]], list[str]]:
        """For ``frames`` (ascending): the medic's persons and deletions per frame, and the
        uids of the untouched predictions a store replaces (three range queries, not three
        per frame: a 50,000-frame import stays one pass)."""
        wanted, span = set(frames), (frames[0], frames[-1]) if frames else (0, -1)
        medic: dict[int, list[Instance]] = {}
        rows = [row for row in c.execute(
            f"{db.SELECT_INSTANCE} WHERE frame BETWEEN ? AND ? AND source != ? "
            "ORDER BY frame, ord", (*span, Source.PREDICTED.value)) if row[-1] in wanted]
        for frame, inst in self._reader.decode(rows):  # rows it cannot read: problems
            medic.setdefault(frame, []).append(inst)
        deleted: dict[int, list[Instance]] = {}
        for row in c.execute(f"{db.SELECT_DELETED} WHERE frame BETWEEN ? AND ?", span):
            try:
                frame, inst = db.decode_deleted(row)
            except (ValueError, TypeError) as exc:
                self._reader.problem(f"deleted prediction {str(row[0])[:8]}",
                                     f"cannot be read ({exc})")
                continue
            if frame in wanted:
                deleted.setdefault(frame, []).append(inst)
        predicted = [uid for uid, frame in c.execute(
            "SELECT uid, frame FROM instances WHERE frame BETWEEN ? AND ? AND source = ?",
            (*span, Source.PREDICTED.value)) if frame in wanted]
        return medic, deleted, predicted

    def frames_predicted_by(self, model_ids: dict) -> set[int]:
        """Frames a run with exactly these model identities has processed (resume a run)."""
        key = json.dumps(model_ids, sort_keys=True)
        with self._read() as c:
            return {r[0] for r in c.execute(
                "SELECT DISTINCT p.frame FROM predicted_frames p JOIN prediction_runs r "
                "ON p.run_id = r.id WHERE r.model_ids = ?", (key,))}

    def was_replaced_by_a_run(self, uid: str) -> bool:
        """True for an untouched prediction that a model run (in this session) replaced."""
        return uid in self._replaced_uids

    def _prediction_run(self, c: sqlite3.Connection, model_ids: dict | None) -> int:
        """Id of the prediction_runs row for ``model_ids``; one row per distinct value per
        session (the GUI stores a long run in many small batches)."""
        key = json.dumps(model_ids, sort_keys=True) if model_ids else None
        if self._last_run is not None and self._last_run[0] == key:
            return self._last_run[1]
        run_id = c.execute("INSERT INTO prediction_runs (model_ids, created_at) VALUES (?, ?)",
                           (key, files.now_text())).lastrowid
        self._last_run = (key, run_id)
        return run_id

    def deleted_predictions(self, frame: int | None = None) -> list[tuple[int, Instance]]:
        """Predictions the medic deleted (of ``frame``, or all), by frame then uid.

        Each is ``(frame, instance)``: the instance as the model predicted it (source
        PREDICTED, current values equal to ``original``; the medic's edits made before the
        delete are not kept), with the deleted instance's uid, category and track id.
        """
        with self._read() as c:
            return self._reader.deleted(c, None if frame is None else int(frame))
