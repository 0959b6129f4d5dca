"""Model weights manager: catalogue, local registry, and downloads from a real HTTP server on
loopback (never the internet) serving the fixture checkpoints, with Range support."""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path

import numpy as np
import pytest

from medpose_gui.model_registry import (
    CATALOGUE,
    CatalogueEntry,
    DownloadError,
    DownloadInterrupted,
    ModelRegistry,
    ModelRegistryError,
    direct_download_url,
    download_model,
    resolve_model,
)
from medpose_gui.model_registry.download import part_path
from tests.cli_runner import run_cli
from tests.fixture_paths import CASUALTY_WEIGHTS, DETECTOR_WEIGHTS, VITPOSE, need_full
from tests.loopback_http import Route

DETECTOR_FILE = DETECTOR_WEIGHTS
CASUALTY_FILE = CASUALTY_WEIGHTS
USER_FILE = VITPOSE / "vitpose_tiny_user_k6.pth"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _entry(url: str, kind: str = "pose", **changes) -> CatalogueEntry:
    values = dict(name="test-model", title="Test model", kind=kind, file_name="test_model.pth",
                  url=url)
    values.update({"schema": "medic_casualty", "num_keypoints": 21} if kind == "pose"
                  else {"class_names": ("patient", "user")})
    values.update(changes)
    return CatalogueEntry(**values)


def _serve(server, name: str, path: Path, **route) -> str:
    server.routes[f"/{name}"] = Route(path.read_bytes(), **route)
    return f"{server.base}/{name}"


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- downloads -------------------------------------------------------------------------------

def test_download_fetches_verifies_and_registers_in_the_data_dir(server, data_dir):
    url = _serve(server, "det.pth", DETECTOR_FILE)
    entry = _entry(url, kind="detector", size=DETECTOR_FILE.stat().st_size,
                   sha256=_sha(DETECTOR_FILE))
    registry = ModelRegistry(catalogue=(entry,))  # folder from $MEDPOSE_DATA_DIR
    assert registry.directory == data_dir / "models"
    model = download_model("test-model", registry=registry, progress=False)
    dest = data_dir / "models" / "test_model.pth"
    assert dest.read_bytes() == DETECTOR_FILE.read_bytes()
    assert not part_path(dest).exists()
    assert (model.kind, model.class_names, model.source) == ("detector", ["patient", "user"],
                                                             "downloaded")
    assert model.sha256 == _sha(DETECTOR_FILE)
    assert resolve_model("test-model", ModelRegistry(catalogue=(entry,))) == dest
    assert server.requests == [("/det.pth", None)]


def test_interrupted_download_keeps_part_file_and_resumes_with_range(server, data_dir):
    cut = CASUALTY_FILE.stat().st_size // 2 + 3  # mid-file, off any chunk boundary
    url = _serve(server, "pose.pth", CASUALTY_FILE, drops=[cut])
    registry = ModelRegistry(catalogue=(_entry(url),))
    dest = registry.directory / "test_model.pth"
    with pytest.raises(DownloadInterrupted, match="run the same command again to resume"):
        download_model("test-model", registry=registry, retries=0, progress=False)
    assert part_path(dest).stat().st_size == cut
    assert not dest.exists()
    assert registry.get("test-model") is None

    model = download_model("test-model", registry=registry, retries=0, progress=False)
    assert server.requests[-1] == ("/pose.pth", f"bytes={cut}-")
    assert dest.read_bytes() == CASUALTY_FILE.read_bytes()
    assert (model.kind, model.num_keypoints, model.schema) == ("pose", 21, "medic_casualty")


def test_part_file_already_complete_is_finished_without_downloading_again(server, data_dir):
    url = _serve(server, "pose.pth", CASUALTY_FILE)
    registry = ModelRegistry(catalogue=(_entry(url),))
    dest = registry.directory / "test_model.pth"
    dest.parent.mkdir(parents=True)
    part_path(dest).write_bytes(CASUALTY_FILE.read_bytes())
    download_model("test-model", registry=registry, progress=False)
    size = CASUALTY_FILE.stat().st_size
    assert server.requests == [("/pose.pth", f"bytes={size}-")]  # answered 416: nothing left
    assert dest.read_bytes() == CASUALTY_FILE.read_bytes()


def test_server_without_range_support_restarts_from_the_beginning(server, data_dir):
    url = _serve(server, "pose.pth", CASUALTY_FILE, drops=[400_000], ranges=False)
    registry = ModelRegistry(catalogue=(_entry(url),))
    download_model("test-model", registry=registry, progress=False)
    assert [r for _, r in server.requests] == [None, "bytes=400000-"]
    assert (registry.directory / "test_model.pth").read_bytes() == CASUALTY_FILE.read_bytes()


def test_broken_connection_is_resumed_within_one_download(server, data_dir):
    url = _serve(server, "pose.pth", CASUALTY_FILE, drops=[300_000, 400_000])
    registry = ModelRegistry(catalogue=(_entry(url),))
    messages: list[str] = []
    download_model("test-model", registry=registry, progress=False, log=messages.append)
    assert [r for _, r in server.requests] == [None, "bytes=300000-", "bytes=700000-"]
    assert (registry.directory / "test_model.pth").read_bytes() == CASUALTY_FILE.read_bytes()
    assert len(messages) == 2 and "resuming at byte 300000" in messages[0]


def test_server_size_different_from_catalogue_size_is_refused(server, data_dir):
    url = _serve(server, "pose.pth", CASUALTY_FILE)
    size = CASUALTY_FILE.stat().st_size
    registry = ModelRegistry(catalogue=(_entry(url, size=size + 1),))
    with pytest.raises(DownloadError, match=f"offers {size} bytes.*has {size + 1} bytes"):
        download_model("test-model", registry=registry, progress=False)
    assert list(registry.directory.iterdir()) == []


def test_html_page_instead_of_the_file_is_refused(server, data_dir):
    page = b"<!DOCTYPE html><html><body>Google Drive can't scan this file</body></html>"
    server.routes["/page"] = Route(page, content_type="text/html; charset=utf-8")
    server.routes["/sneaky"] = Route(b"\n  <html><body>sign in</body></html>")  # octet-stream
    for path in ("page", "sneaky"):
        registry = ModelRegistry(catalogue=(_entry(f"{server.base}/{path}"),))
        with pytest.raises(DownloadError, match="sent a web page, not the model file"):
            download_model("test-model", registry=registry, progress=False)
        assert not registry.directory.exists() or list(registry.directory.iterdir()) == []


def test_offline_download_says_the_server_cannot_be_reached(data_dir):
    url = f"http://127.0.0.1:{_unused_port()}/model.pth"
    registry = ModelRegistry(catalogue=(_entry(url),))
    with pytest.raises(DownloadError, match=r"cannot reach the server .*offline\?.*models add"):
        download_model("test-model", registry=registry, progress=False)


def test_sha256_mismatch_is_refused_and_the_file_removed(server, data_dir):
    url = _serve(server, "pose.pth", CASUALTY_FILE)
    registry = ModelRegistry(catalogue=(_entry(url, sha256="0" * 64),))
    with pytest.raises(DownloadError, match=f"SHA-256 {_sha(CASUALTY_FILE)} .* differs"):
        download_model("test-model", registry=registry, progress=False)
    assert list(registry.directory.iterdir()) == []


def test_download_of_another_kind_of_model_is_refused(server, data_dir):
    url = _serve(server, "pose.pth", CASUALTY_FILE)
    registry = ModelRegistry(catalogue=(_entry(url, kind="detector"),))
    with pytest.raises(ModelRegistryError, match="is a pose model .* is a detector"):
        download_model("test-model", registry=registry, progress=False)
    assert list(registry.directory.iterdir()) == []
    assert registry.get("test-model") is None


def test_model_without_public_link_needs_url(data_dir):
    with pytest.raises(ModelRegistryError, match="no public download link .*casualty-pose"):
        download_model("casualty-pose", progress=False)


def test_google_drive_view_link_becomes_direct_download_link():
    readme_link = next(e.url for e in CATALOGUE if e.name == "partial-body-detector")
    assert readme_link == ("https://drive.google.com/file/d/1OHAr31n41keDTJygDmFfOgsXwpriuFT9/"
                           "view?usp=drive_link")
    direct = direct_download_url(readme_link)
    assert "id=1OHAr31n41keDTJygDmFfOgsXwpriuFT9" in direct and "confirm=t" in direct
    assert direct_download_url("http://127.0.0.1:8000/x.pth") == "http://127.0.0.1:8000/x.pth"


# -- models add / list / resolve -------------------------------------------------------------

def test_add_refuses_files_that_are_not_checkpoints(tmp_path, data_dir, capsys):
    text = tmp_path / "notes.txt"
    text.write_text("not a model\n")
    png = tmp_path / "frame.png"
    import cv2
    cv2.imwrite(str(png), np.zeros((8, 8, 3), np.uint8))
    for bad in (text, png):
        code, out, err = run_cli(["models", "add", str(bad)], capsys)
        assert code == 2
        assert err.startswith(f"error: {bad}: not a readable checkpoint")
        assert "expected a detectron2 detector or an mmpose ViTPose checkpoint" in err
        assert "Traceback" not in err
    assert ModelRegistry().models() == []


@pytest.mark.parametrize(("path", "name", "kind", "keypoints", "schema", "classes"), [
    (DETECTOR_FILE, "partial-body-detector", "detector", None, None, ["patient", "user"]),
    (CASUALTY_FILE, "casualty-pose", "pose", 21, "medic_casualty", None),
    (USER_FILE, "user-pose", "pose", 6, "medic_user", None),
])
def test_add_records_kind_keypoints_and_hash_under_the_matching_name(
        data_dir, capsys, path, name, kind, keypoints, schema, classes):
    if path == USER_FILE:
        need_full()  # the 6-point user model
    code, out, _ = run_cli(["models", "add", str(path)], capsys)
    assert code == 0 and out.startswith(f"added {name}")
    doc = json.loads((data_dir / "models" / "registry.json").read_text())
    (row,) = doc["models"]
    assert (row["name"], row["kind"], row["num_keypoints"], row["schema"],
            row["class_names"]) == (name, kind, keypoints, schema, classes)
    assert row["path"] == str(path.resolve()) and row["sha256"] == _sha(path)
    assert resolve_model(name) == path.resolve()


def test_add_under_a_known_name_of_another_kind_is_refused(data_dir):
    with pytest.raises(ModelRegistryError, match="pose model .*21 keypoints.*Partial body"):
        ModelRegistry().add(CASUALTY_FILE, "partial-body-detector")
    assert ModelRegistry().models() == []


def test_listing_shows_where_each_model_is_configured(data_dir, capsys):
    need_full()
    ModelRegistry().add(USER_FILE)
    ModelRegistry().add(CASUALTY_FILE, "my-casualty-finetune")
    code, out, _ = run_cli(["models"], capsys)
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert lines["partial-body-detector"].endswith("not configured")
    assert lines["casualty-pose"].endswith("not configured")
    assert lines["user-pose"].endswith(str(USER_FILE.resolve()))
    assert lines["my-casualty-finetune"].endswith(str(CASUALTY_FILE.resolve()))
    assert "drive.google.com/file/d/1OHAr31n41keDTJygDmFfOgsXwpriuFT9" in out
    assert "--url URL" in out and "no download link" in out


def test_resolve_model_explains_unconfigured_and_unknown_names(tmp_path, data_dir):
    assert resolve_model(str(CASUALTY_FILE)) == CASUALTY_FILE
    with pytest.raises(ModelRegistryError, match="'partial-body-detector' is not configured.*"
                                                 "models download partial-body-detector'"):
        resolve_model("partial-body-detector")
    with pytest.raises(ModelRegistryError, match="neither a file nor a known model"):
        resolve_model("no-such-model")
    with pytest.raises(ModelRegistryError, match="missing.pth: no such file"):
        resolve_model(str(tmp_path / "missing.pth"))


def test_corrupt_registry_file_is_reported_by_name(data_dir):
    (data_dir / "models").mkdir(parents=True)
    (data_dir / "models" / "registry.json").write_text("{not json")
    with pytest.raises(ModelRegistryError, match="registry.json: unreadable model registry"):
        ModelRegistry().models()
