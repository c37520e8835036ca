"""Issue #10, finding 1: the sweep must never delete an archived file, whatever name it arrived with.

Files are archived through the real command line (`python -m desk archive`, real pipeline and
Tesseract) under names with upper-case, Chinese, long, hyphenated, spaced and underscored
extensions; every file in the store is then aged past the sweep's grace period and
`python -m desk verify --sweep` runs. Every archived file must still be there and verify clean.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from helpers import add_person, info, page, png_bytes
from PIL import Image, ImageDraw
from sqlmodel import Session, select

from desk.archive.fixity import sweep_orphans, verify_archive
from desk.archive.intake import archive_document
from desk.archive.storage import FileStore, detect_ext, sha256_of, sha256_of_file
from desk.archive.tables import ArchivePage

ROOT = Path(__file__).resolve().parents[2]
CUSTOMER = "210203199001011234"
AN_HOUR_AGO = time.time() - 3600  # the sweep's grace period is ten minutes

# name the clerk's file arrived with -> the format its bytes really are
ODD_NAMES = {
    "photo.jpg_large": "JPEG",
    "scan.tiff-1": "TIFF",
    "页面.扫描": "PNG",
    "A.JPG": "JPEG",
    "x.jpeg large": "JPEG",
    "contract.final_version_2024-scan": "PNG",
    "Bild.Ä": "WEBP",
    "no_extension": "BMP",
}


def desk(*args: str) -> subprocess.CompletedProcess:
    """Run `python -m desk ARGS` with this test's DESK_* environment."""
    env = {**os.environ, "DESK_DEFAULT_LANGUAGE": "en"}
    return subprocess.run(
        [sys.executable, "-m", "desk", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def document_photo(label: str, fmt: str) -> bytes:
    """A photo of a white page with a few lines of text on a dark desk, encoded as `fmt`."""
    photo = Image.new("RGB", (900, 700), (60, 60, 70))
    paper = Image.new("RGB", (600, 500), "white")
    draw = ImageDraw.Draw(paper)
    for line in range(8):
        draw.text((40, 40 + line * 50), f"{label} line {line} lease contract rent", fill="black")
    photo.paste(paper, (150, 100))
    buffer = io.BytesIO()
    photo.save(buffer, format=fmt)
    return buffer.getvalue()


def age_store(store: FileStore, when: float = AN_HOUR_AGO) -> None:
    """Set the mtime of every file in the store to `when` (the sweep an hour after the intake)."""
    for path in store.objects.rglob("*"):
        if path.is_file():
            os.utime(path, (when, when))


def test_sweep_keeps_files_archived_under_any_name(engine, data_dir, tmp_path):
    add_person(engine)
    store = FileStore(data_dir)
    files = []
    for number, (name, fmt) in enumerate(ODD_NAMES.items()):
        path = tmp_path / "in" / str(number) / name
        path.parent.mkdir(parents=True)
        path.write_bytes(document_photo(f"page{number}", fmt))
        files.append(str(path))
    done = desk("archive", *files, "--customer", CUSTOMER, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(json.loads(done.stdout)["archived"]) == len(ODD_NAMES)
    with Session(engine) as session:
        pages = session.exec(select(ArchivePage)).all()
    keys = {key for page in pages for key in page.file_keys()}
    assert len(pages) == len(ODD_NAMES) and keys

    age_store(store)
    swept = desk("verify", "--sweep")
    assert swept.returncode == 0, swept.stdout + swept.stderr
    for key in keys:
        path = store.path_of_key(key)
        assert path.exists(), f"{key} was deleted by the sweep"
        assert sha256_of_file(path) == key.partition(".")[0]
    # stored names are the store's own: the hash and the detected format, never the upload's name
    extensions = sorted(page.original_key.partition(".")[2] for page in pages)
    assert extensions == ["bmp", "jpg", "jpg", "jpg", "png", "png", "tif", "webp"]
    again = desk("verify", "--json")
    assert again.returncode == 0, again.stdout + again.stderr
    report = json.loads(again.stdout)
    assert report["ok"] and report["checked"] == len(keys) and not report["orphaned"]


def _write_aged(path: Path, data: bytes, when: float = AN_HOUR_AGO) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (when, when))
    return path


def test_sweep_removes_only_its_own_old_leftovers_and_dry_run_removes_nothing(engine, data_dir):
    store = FileStore(data_dir)
    person = add_person(engine)
    archive_document(store, [page("租赁合同 第一页"), page("第二页")], info(person), engine=engine)
    with Session(engine) as session:
        keys = sorted(key for row in session.exec(select(ArchivePage)).all() for key in row.file_keys())
    folder = store.path_of_key(keys[0]).parent
    age_store(store)
    old_tmp = _write_aged(folder / ".tmp-4242-123456789", b"half a write")  # a write interrupted an hour ago
    fresh_tmp = folder / ".tmp-4242-987654321"  # a write in progress right now
    fresh_tmp.write_bytes(b"being written")
    stray = png_bytes("restored by hand")
    foreign = [
        _write_aged(folder / "notes.txt", b"someone's notes"),
        _write_aged(store.objects / "README", b"do not delete"),
        _write_aged(store.path_for(sha256_of(stray), "png"), stray),  # a store name, but no journal: unproven
        _write_aged(folder / ".tmp-not-ours", b"looks temporary, is not the store's pattern"),
    ]
    relative = {path: str(path.relative_to(data_dir)) for path in [old_tmp, fresh_tmp, *foreign]}

    dry = desk("verify", "--sweep", "--dry-run")
    assert dry.returncode == 1, dry.stdout + dry.stderr  # orphans remain: reported
    assert f"would remove: {relative[old_tmp]}" in dry.stdout and "would remove 1 leftover" in dry.stdout
    assert all(path.exists() for path in [old_tmp, fresh_tmp, *foreign])  # the dry run removed nothing

    swept = desk("verify", "--sweep")
    assert swept.returncode == 1, swept.stdout + swept.stderr
    assert f"removed: {relative[old_tmp]}" in swept.stdout and "Removed the store's 1 leftover file" in swept.stdout
    assert not old_tmp.exists() and fresh_tmp.exists() and all(path.exists() for path in foreign)
    for path in foreign:
        assert f"orphaned: {relative[path]}" in swept.stdout  # reported for a person to look at

    report = json.loads(desk("verify", "--json").stdout)
    assert sorted(report["orphaned"]) == sorted(relative[path] for path in foreign)
    assert report["removable"] == [] and report["missing"] == [] and report["altered"] == []
    assert report["checked"] == len(keys) and all(store.path_of_key(key).exists() for key in keys)


def test_files_named_by_an_older_release_verify_clean_and_are_never_swept(engine, data_dir):
    """A database of the previous release: originals stored under the extension of the upload's name."""
    store = FileStore(data_dir)
    person = add_person(engine)
    old_names = ["jpg_large", "tiff-1", "扫描", "jpeg large", "final-v2_x"]  # varchar(80): 64 + 1 + 15 at most
    archive_document(store, [page(f"旧版本 {number}") for number in range(len(old_names))], info(person), engine=engine)
    with Session(engine) as session:
        rows = session.exec(select(ArchivePage).order_by(ArchivePage.page_no)).all()
        for row, ext in zip(rows, old_names, strict=True):
            current = store.path_of_key(row.original_key)
            old_key = f"{row.original_key.partition('.')[0]}.{ext}"
            current.rename(store.path_of_key(old_key))
            row.original_key = old_key
            session.add(row)
        session.commit()
        keys = [key for row in rows for key in row.file_keys()]
    unreferenced_old = _write_aged(store.path_for(sha256_of(b"old orphan"), "jpg_large"), b"old orphan")
    age_store(store)

    assert sweep_orphans(store, engine=engine, dry_run=True) == []
    assert sweep_orphans(store, engine=engine) == []
    assert all(store.path_of_key(key).exists() for key in keys) and unreferenced_old.exists()
    assert store.read(keys[0]).startswith(b"\x89PNG")  # read by key, under the old name
    report = verify_archive(store, engine=engine)
    assert report.checked == len(keys) and not report.missing and not report.altered
    assert report.orphaned == [str(unreferenced_old.relative_to(data_dir))] and report.removable == []


def test_a_crashed_intakes_file_stored_again_by_a_new_intake_is_kept(engine, data_dir):
    store = FileStore(data_dir)
    data = png_bytes("shared page")
    stored = store.describe(data)
    journal = store.begin_intake([stored.key])  # an intake that died after writing its file
    store.write(stored, data)
    age_store(store)
    store.put(data)  # another intake, its row not committed yet, stores the same bytes
    assert sweep_orphans(store, engine=engine) == [
        str(journal.relative_to(data_dir))
    ]  # the journal goes, the file stays
    assert store.path_for(stored.sha256, "png").read_bytes() == data


def test_unknown_formats_are_stored_as_bin():
    assert detect_ext(b"hello, not an image") == "bin" and detect_ext(b"") == "bin"
    assert detect_ext(b"  %PDF-1.7\n") == "pdf" and detect_ext(b"\xff\xd8\xff\xe0") == "jpg"
