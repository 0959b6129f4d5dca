"""``medpose-gui infer INPUT... [--ray [ADDRESS]]``: both models over many inputs, here or on
a Ray cluster, into one project per input.

Without ``--ray`` the inputs run one after another in this process; with it, their frames
are cut into shards and computed by Ray workers (:mod:`medpose_gui.runs.cluster`) while this
process stores the results. Both paths plan, store and write outputs through the same
:class:`~medpose_gui.batch.InputJob` and compute through the same run service, so they
store the same instances. Ray is imported only with ``--ray``.

Models left out (``--detector``, ``--pose``...) are the model registry's, as in the window.

Exit status: 0 all done; 1 some inputs failed (each named on stderr; the others are done);
2 nothing ran (bad options or models, or the only input cannot be opened); 130 interrupted
(Ctrl+C: stored batches stay; ``--resume`` finishes).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from medpose_gui.core.reference import REFERENCE_CATEGORIES, REFERENCE_SCORE_THRESHOLD

EXIT_OK, EXIT_SOME_FAILED, EXIT_INTERRUPTED = 0, 1, 130


def add_cli_parser(subparsers: Any) -> None:
    """Register ``infer`` on an argparse sub-parsers object (``set_defaults(func=...)``)."""
    from medpose_gui.cli import positive_int

    p = subparsers.add_parser(
        "infer", help="run detector + pose estimator on videos or image folders",
        description="Detect people and estimate their poses on every frame (or --frames) of "
                    "each input and store them in its project; optionally also write COCO "
                    "results, the reference's bbox_detections.json and annotated frame "
                    "images. With --ray the frames are computed on a Ray cluster.",
        epilog="Exit status: 0 done; 1 some inputs failed (named on stderr, the others are "
               "done); 2 bad options or models; 130 interrupted (run again with --resume).")
    p.add_argument("input", metavar="INPUT", nargs="+",
                   help="video file or folder of images; a .txt file lists inputs, one per "
                        "line (# comments; relative paths are relative to the list)")
    p.add_argument("--detector", metavar="W",
                   help="detectron2 model_final.pth or a registry name (default: the model "
                        "registry's detector, see 'medpose-gui models')")
    p.add_argument("--detector-config", metavar="Y",
                   help="detectron2 YAML config (test settings; default with the registry's "
                        "detector: its config)")
    p.add_argument("--pose", metavar="W",
                   help="mmpose ViTPose checkpoint (.pth) or registry name for the kept "
                        "categories (patients); default: the registry's")
    p.add_argument("--user-pose", metavar="W",
                   help="ViTPose checkpoint for 'user' boxes (with --categories patient,user); "
                        "default: the registry's, if configured")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps (default auto)")
    p.add_argument("--precision", choices=("fp32", "fp16"), default="fp32",
                   help="fp16 = half precision autocast, CUDA only (default fp32)")
    p.add_argument("--out", metavar="P.medpose",
                   help="project to write, one input only (default: beside INPUT, "
                        "INPUT.medpose); an existing project of the same media is updated, "
                        "approved frames are kept")
    p.add_argument("--out-dir", metavar="DIR",
                   help="write each input's project here (same name as beside the input)")
    p.add_argument("--coco-predictions", metavar="F.json",
                   help="also write COCO keypoint results (several inputs: a folder, one "
                        "<project name>.json per input)")
    p.add_argument("--bbox-json", metavar="F.json",
                   help="also write the reference's bbox_detections.json (several inputs: a "
                        "folder, one <project name>.json per input)")
    p.add_argument("--vis-dir", metavar="DIR", help="also write annotated frame images here "
                                                    "(several inputs: one sub-folder each)")
    p.add_argument("--score-threshold", type=float, default=REFERENCE_SCORE_THRESHOLD,
                   help="keep boxes scoring at least this (reference demo: "
                        f"{REFERENCE_SCORE_THRESHOLD})")
    p.add_argument("--categories", default=",".join(REFERENCE_CATEGORIES),
                   help="comma-separated detector classes to keep, by name or 0-based id, or "
                        "'all' (reference demo: patient)")
    p.add_argument("--batch-size", type=positive_int, default=None, metavar="N",
                   help="frames per batch (default 4 on a GPU, 1 on the CPU; halved "
                        "automatically on out-of-memory)")
    p.add_argument("--resume", action="store_true",
                   help="skip frames these models already predicted (finish a cancelled run)")
    p.add_argument("--frames", metavar="A:B", help="frame range, Python slice style (e.g. 0:100)")
    p.add_argument("--trust-checkpoint", action="store_true",
                   help="load checkpoints that need full unpickling (runs code from the file: "
                        "only for files from a source you trust)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    g = p.add_argument_group("cluster (needs the 'cluster' extra: pip install medpose-gui[cluster])")
    g.add_argument("--ray", nargs="?", const="auto", metavar="ADDRESS",
                   help="compute on a Ray cluster: HOST:PORT of its head, or 'auto' (the "
                        "default) = the cluster this machine belongs to (RAY_ADDRESS, ray "
                        "start), else a new one on this machine; inputs and model files must "
                        "be at the same paths on every node")
    g.add_argument("--workers", type=positive_int, metavar="N",
                   help="workers to start (default: one per GPU of the cluster, or per "
                        "--cpus-per-worker CPUs without GPUs)")
    g.add_argument("--cpus-per-worker", type=positive_int, default=1, metavar="N",
                   help="CPU cores (and torch threads) per worker (default 1)")
    g.add_argument("--gpus-per-worker", type=float, metavar="G",
                   help="GPUs per worker (default 1 where the cluster has GPUs, else 0)")
    g.add_argument("--shard-frames", type=positive_int, default=32, metavar="N",
                   help="frames per piece of work handed to a worker (default 32)")
    p.set_defaults(func=cmd_infer)


def cmd_infer(args: argparse.Namespace) -> int:
    from medpose_gui.cli import CliError
    from medpose_gui.runs.inputs import expand_inputs, project_paths

    inputs = expand_inputs(args.input)
    projects = project_paths(inputs, args.out, args.out_dir)
    if len(inputs) == 1 and not Path(inputs[0]).exists():
        raise CliError(f"{inputs[0]}: no such file or folder")  # before torch is imported
    if args.ray is None and (args.workers or args.gpus_per_worker is not None):
        raise CliError("--workers and --gpus-per-worker need --ray")
    if args.ray is not None:
        _check_ray(args.ray)
    _models_from_registry(args)
    return _Infer(args, inputs, projects).run()


def _models_from_registry(args: argparse.Namespace) -> None:
    """Models left out on the command line are the model registry's, the same the window
    uses (:func:`~medpose_gui.model_registry.files_for_run`); say which files they are."""
    from medpose_gui.model_registry import files_for_run

    files, from_registry = files_for_run(args.detector, args.pose, args.user_pose,
                                         args.detector_config)
    if from_registry:
        print("models from the registry ('medpose-gui models'):\n  "
              + from_registry.replace("\n", "\n  "), flush=True)
    args.detector, args.pose, args.user_pose = files.detector, files.pose, files.user_pose
    args.detector_config = files.detector_config or None


def _check_ray(address: str) -> None:
    """Refuse a missing Ray, and an input taken for the address (``--ray clip.mp4``:
    the address is optional, so write ``--ray auto`` before the inputs)."""
    import importlib.util

    from medpose_gui.cli import CliError

    if importlib.util.find_spec("ray") is None:
        raise CliError("--ray needs Ray on this machine: pip install 'medpose-gui[cluster]'")
    if address != "auto" and not re.fullmatch(r"(ray://)?[\w.\-]+:\d+", address):
        raise CliError(f"--ray {address!r}: give HOST:PORT of the cluster's head or 'auto' "
                       "(before the inputs, write --ray auto)")


class _Infer:
    """One ``infer`` invocation: plan every input, run, report (a class for its shared
    state: the progress bar, the jobs, the failures)."""

    def __init__(self, args: argparse.Namespace, inputs: list[str], projects: list[Path]) -> None:
        self.args, self.inputs, self.projects = args, inputs, projects
        self.many = len(inputs) > 1
        self.failures: dict[str, str] = {}
        self.finished: set[int] = set()

    def run(self) -> int:
        from tqdm import tqdm

        from medpose_gui.batch import InferOutputs, InputJob
        from medpose_gui.runs.inputs import side_output

        self._load_models()
        many, a = self.many, self.args
        jobs = [InputJob(m, InferOutputs(p, side_output(a.coco_predictions, p, many),
                                         side_output(a.bbox_json, p, many),
                                         side_output(a.vis_dir, p, many, "")))
                for m, p in zip(self.inputs, self.projects, strict=True)]
        self.jobs = [job for job in jobs if self._guard(job, self._plan, job)]
        self.bar = tqdm(total=sum(len(j.todo) for j in self.jobs), unit="frame", desc="infer",
                        disable=a.quiet, file=sys.stderr, dynamic_ncols=True)
        try:
            if a.ray is not None and self.jobs:
                self._run_on_ray()
            else:
                for job in self.jobs:
                    if self._guard(job, self._run_here, job):
                        self._guard(job, self._done, job)
        except KeyboardInterrupt:
            self._abandon_all()
            self.bar.close()
            print("interrupted: every stored batch is kept; run again with --resume to "
                  "finish", file=sys.stderr)
            return EXIT_INTERRUPTED
        except BaseException:
            self._abandon_all()
            raise
        finally:
            self.bar.close()
        return self._report()

    # -- steps ---------------------------------------------------------------------------
    def _load_models(self) -> None:
        from medpose_gui.batch import resolve_categories
        from medpose_gui.runs import InferenceService, RunSettings
        from medpose_gui.runs.settings import pose_models

        a = self.args
        settings = RunSettings(
            detector=a.detector, pose={}, detector_config=a.detector_config,
            score_threshold=a.score_threshold, device=a.device, precision=a.precision,
            batch_size=a.batch_size, trust_checkpoint=a.trust_checkpoint)
        # With --ray the workers run the models; this process loads them on its CPU only to
        # check them against each project and record them (InferenceService.prepare): a GPU
        # here stays free for a worker.
        here = replace(settings, device="cpu") if a.ray is not None else settings
        self.service = InferenceService()
        categories = resolve_categories(a.categories, self.service.detector_classes(here))
        pose = pose_models(categories, a.pose, a.user_pose)
        self.settings = replace(settings, categories=categories, pose=pose)
        self.models = self.service.load(replace(here, categories=categories, pose=pose))

    def _plan(self, job: Any) -> None:
        from medpose_gui.cli import parse_frame_range

        job.plan(self.service, self.models, lambda n: parse_frame_range(self.args.frames, n),
                 resume=self.args.resume)

    def _run_here(self, job: Any) -> None:
        from medpose_gui.batch import run_local

        run_local(job, self.service, self.models, advance=self.bar.update, log=self.bar.write)

    def _run_on_ray(self) -> None:
        import ray

        from medpose_gui.runs.cluster import ClusterOptions, ClusterRun, connect

        a = self.args
        started = connect(a.ray)
        try:
            runner = ClusterRun(self.settings, ClusterOptions(
                workers=a.workers, cpus_per_worker=a.cpus_per_worker,
                gpus_per_worker=a.gpus_per_worker, shard_frames=a.shard_frames),
                self.models.identity())
            jobs = self.jobs

            def on_batch(j: int, batch: dict) -> None:
                if not self._guard(jobs[j], self._store, jobs[j], batch):
                    runner.fail(j, self.failures[jobs[j].name])

            runner.run(jobs, on_batch=on_batch,
                       on_done=lambda j: self._guard(jobs[j], self._done, jobs[j]),
                       on_failed=lambda j, message: self._failed(jobs[j], message))
        finally:
            if started:
                ray.shutdown()

    def _store(self, job: Any, batch: dict) -> None:
        self.bar.update(job.store(self.service, self.models, batch))

    # -- outcomes ------------------------------------------------------------------------
    def _guard(self, job: Any, step: Any, *args: Any) -> bool:
        """Run one input's step; with several inputs, a bad input (our packages' errors:
        media, project, checkpoint...) fails that input only. False when it failed."""
        from medpose_gui.cli import is_user_error

        try:
            step(*args)
        except Exception as exc:
            if not self.many or not is_user_error(exc):
                raise
            self._failed(job, str(exc))
            return False
        return True

    def _failed(self, job: Any, message: str) -> None:
        if job.name in self.failures:
            return
        self.failures[job.name] = message
        job.abandon()
        self._write(f"failed {job.name}: {message}", sys.stderr)

    def _done(self, job: Any) -> None:
        s = job.finish(self.models)
        self.finished.add(id(job))
        skipped = f" ({s.skipped} approved or already predicted frames skipped)" \
            if s.skipped else ""
        name = f"{job.name}: " if self.many else ""
        self._write(f"{name}{s.frames} frames, {s.instances} instances -> {s.project}{skipped}",
                    sys.stdout)
        if s.policy:
            self._write(f"kept your work: {s.policy}", sys.stdout)

    def _abandon_all(self) -> None:
        for job in getattr(self, "jobs", []):
            if id(job) not in self.finished:
                job.abandon()

    def _write(self, line: str, file: Any) -> None:
        bar = getattr(self, "bar", None)
        if bar is not None:
            bar.write(line, file=file)
        else:
            print(line, file=file)

    def _report(self) -> int:
        if not self.failures:
            return EXIT_OK
        print(f"{len(self.inputs) - len(self.failures)} of {len(self.inputs)} inputs done; "
              f"failed: {', '.join(self.failures)}", file=sys.stderr)
        return EXIT_SOME_FAILED
