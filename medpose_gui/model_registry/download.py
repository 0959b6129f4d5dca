"""Download a weights file: resumable, size- and hash-checked, atomically renamed into place.

Bytes go to ``<file>.part``; an interrupted download keeps it and the next attempt asks the
server for the rest with an HTTP ``Range`` request (a server that ignores Range answers 200 and
the file starts over). Only a complete file of the right size (``Content-Length`` /
``Content-Range`` total, and the catalogue size when known) and the right SHA-256 (when known)
that passes ``verify`` is renamed to its final name, so the final name never holds a partial
or unverified file. Web pages (a login or "confirm download" page) are refused before anything
is written.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from medpose_gui.model_registry.errors import DownloadError, DownloadInterrupted

CHUNK = 1 << 16
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
_CONTENT_RANGE_TOTAL = re.compile(r"/(\d+)\s*$")  # "bytes */1234" in a 416 answer
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<?xml")
# Google Drive "view" links (as the reference README gives them) -> the direct download
# endpoint; confirm=t skips the "cannot scan this file for viruses" page for large files.
_DRIVE_FILE = re.compile(r"https?://drive\.google\.com/file/d/([\w-]+)")
_DRIVE_DIRECT = "https://drive.usercontent.google.com/download?id={id}&export=download&confirm=t"


def direct_download_url(url: str) -> str:
    """The URL to fetch for ``url``: Google Drive view links become direct download links."""
    match = _DRIVE_FILE.match(url)
    return _DRIVE_DIRECT.format(id=match.group(1)) if match else url


def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def _looks_like_html(first: bytes) -> bool:
    return first.lstrip()[:20].lower().startswith(_HTML_STARTS)


def _sha256_hex(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _html_error(url: str) -> DownloadError:
    return DownloadError(
        f"{url}: the server sent a web page, not the model file (Google Drive shows a "
        "confirmation or sign-in page for some files). Download the file in a browser and run "
        "'medpose-gui models add FILE', or give a direct link with --url URL.")


def _open(url: str, part: Path, offset: int,
          timeout: float) -> http.client.HTTPResponse | None:
    """The response (None: a resume found the file already complete)."""
    headers = {"User-Agent": "medpose-gui", "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                      timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:  # Range Not Satisfiable: nothing left to send
            total = _CONTENT_RANGE_TOTAL.search(exc.headers.get("Content-Range", "") or "")
            exc.close()
            if total and int(total.group(1)) == offset:
                return None
            part.unlink(missing_ok=True)
            raise DownloadInterrupted(f"{url}: the server refused to resume at byte {offset}; "
                                      "starting over") from None
        exc.close()
        raise DownloadError(f"{url}: the server answered {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise DownloadError(
            f"{url}: cannot reach the server ({exc.reason}). Are you offline? Download the file "
            "on another computer and run 'medpose-gui models add FILE'.") from None
    except (TimeoutError, OSError) as exc:
        raise DownloadError(f"{url}: cannot connect ({exc}). Are you offline?") from None


def _attempt(url: str, part: Path, expected_size: int | None, timeout: float,
             progress: bool) -> int:
    """One request; returns the size of the complete ``.part`` file."""
    offset = part.stat().st_size if part.exists() else 0
    if expected_size is not None and offset > expected_size:
        part.unlink()
        offset = 0
    response = _open(url, part, offset, timeout)
    if response is None:
        return offset
    with response:
        if response.headers.get_content_type() == "text/html":
            raise _html_error(url)
        length = response.headers.get("Content-Length")
        if response.status == 206:
            match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
            if match is None or int(match.group(1)) != offset:
                part.unlink(missing_ok=True)  # a range we did not ask for: start over
                raise DownloadInterrupted(f"{url}: the server resumed at the wrong place")
            total = (int(match.group(3)) if match.group(3) != "*"
                     else offset + int(length) if length else None)
        else:
            offset = 0  # the server sends the whole file
            total = int(length) if length else None
        if expected_size is not None and total is not None and total != expected_size:
            part.unlink(missing_ok=True)
            raise DownloadError(f"{url}: the server offers {total} bytes, but the model file has "
                                f"{expected_size} bytes; wrong file or link")
        return _receive(url, response, part, offset, total, progress)


def _read(url: str, response: http.client.HTTPResponse, done: int, total: int | None) -> bytes:
    try:
        return response.read(CHUNK)
    except (http.client.IncompleteRead, ConnectionError, TimeoutError) as exc:
        raise DownloadInterrupted(
            f"{url}: the connection broke after {done} of "
            f"{total if total is not None else '?'} bytes ({type(exc).__name__})") from None


def _receive(url: str, response: http.client.HTTPResponse, part: Path, offset: int,
             total: int | None, progress: bool) -> int:
    from tqdm import tqdm

    chunk = _read(url, response, offset, total)
    if offset == 0 and _looks_like_html(chunk):
        raise _html_error(url)  # checked before the .part file is touched
    done = offset
    bar = tqdm(total=total, initial=offset, unit="B", unit_scale=True, unit_divisor=1024,
               desc=part.name[:-len(".part")], disable=not progress, file=sys.stderr,
               dynamic_ncols=True)
    try:
        with part.open("ab" if offset else "wb") as out:
            while chunk:
                out.write(chunk)
                done += len(chunk)
                bar.update(len(chunk))
                chunk = _read(url, response, done, total)
            out.flush()
            os.fsync(out.fileno())
    finally:
        bar.close()
    if offset == 0 and done == 0:
        part.unlink(missing_ok=True)
        raise DownloadError(f"{url}: the server sent an empty file")
    if total is not None and done < total:
        raise DownloadInterrupted(f"{url}: the connection ended after {done} of {total} bytes")
    if total is not None and done > total:
        part.unlink(missing_ok=True)
        raise DownloadError(f"{url}: the server sent {done} bytes, more than the {total} it "
                            "announced")
    return done


def download_file(url: str, dest: str | os.PathLike, *, expected_size: int | None = None,
                  expected_sha256: str | None = None,
                  verify: Callable[[Path], None] | None = None, retries: int = 3,
                  timeout: float = 30.0, progress: bool = True,
                  log: Callable[[str], None] | None = None) -> Path:
    """Fetch ``url`` to ``dest`` (resuming a ``dest.part`` left by an earlier attempt).

    ``retries``: further attempts (each resuming) after a broken connection. ``verify(part)``
    runs on the complete file before it is renamed to ``dest`` (e.g. load it); whatever it
    raises is passed on and the file is removed. Raises :class:`DownloadError` (offline, HTTP
    error, web page, wrong size or hash) or :class:`DownloadInterrupted` (``.part`` kept: run
    again to resume).
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(dest)
    fetch = direct_download_url(url)
    for attempt in range(retries + 1):
        try:
            size = _attempt(fetch, part, expected_size, timeout, progress)
            break
        except DownloadInterrupted as exc:
            have = part.stat().st_size if part.exists() else 0
            if attempt == retries:
                raise DownloadInterrupted(
                    f"{exc}. The partial file {part} ({have} bytes) is kept: run the same "
                    "command again to resume.") from None
            if log is not None:
                log(f"{exc}; resuming at byte {have}")
    if expected_size is not None and size != expected_size:
        part.unlink(missing_ok=True)
        raise DownloadError(f"{url}: received {size} bytes, the model file has {expected_size}")
    if expected_sha256:
        actual = _sha256_hex(part)
        if actual.lower() != expected_sha256.lower():
            part.unlink(missing_ok=True)
            raise DownloadError(f"{url}: SHA-256 {actual} of the downloaded file differs from "
                                f"the expected {expected_sha256}; file removed")
    if verify is not None:
        try:
            verify(part)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    os.replace(part, dest)
    return dest
