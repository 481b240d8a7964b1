"""Output folders (issue 15 item 1, issue 21): hwgen replaces only a missing or empty folder or
an earlier hwgen build; everything else is refused with one line and left exactly as it was."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from hwgen.build import build, resolve_model
from hwgen.cli import main
from hwgen.errors import HwgenError

MODEL = "example:tfc_w1a1"


@pytest.fixture(scope="module")
def earlier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build of the bundled example, copied by tests that need an earlier build."""
    out = tmp_path_factory.mktemp("earlier") / "b"
    build(MODEL, out)
    return out


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its bytes (None for folders)."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


def _build_cli(capsys, out: Path, model: str = MODEL) -> tuple[int, str, str]:
    rc = main(["build", model, "-o", str(out)])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".tmp-" in p.name or ".old-" in p.name)


def test_non_empty_foreign_folder_is_untouched(tmp_path: Path, capsys) -> None:
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "notes.txt").write_text("mine")
    (docs / "sub" / "paper.tex").write_text("also mine")
    before = _snapshot(docs)
    rc, out, err = _build_cli(capsys, docs)
    assert rc == 1 and out == ""
    assert err == (f"hwgen: error: output folder {docs} is not empty and not an earlier hwgen "
                   "build (it has no manifest.json); hwgen replaces only those (hint: choose a "
                   "new or empty -o folder)\n")
    assert _snapshot(docs) == before and _leftovers(tmp_path) == []


def test_folder_with_a_foreign_manifest_is_untouched(tmp_path: Path, capsys) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "manifest.json").write_text(json.dumps({"name": "my web app", "version": "1"}))
    before = _snapshot(other)
    rc, _, err = _build_cli(capsys, other)
    assert rc == 1 and "(its manifest.json was not written by hwgen)" in err
    assert _snapshot(other) == before


def test_earlier_build_holding_foreign_files_is_untouched(earlier: Path, tmp_path: Path,
                                                          capsys) -> None:
    out = tmp_path / "b"
    shutil.copytree(earlier, out)
    (out / "thesis.pdf").write_text("not hwgen's")
    before = _snapshot(out)
    rc, _, err = _build_cli(capsys, out)
    assert rc == 1
    assert err.strip() == (f"hwgen: error: output folder {out} is an earlier hwgen build but "
                           "also holds thesis.pdf, which hwgen did not write (hint: move those "
                           "away or choose another -o folder)")
    assert _snapshot(out) == before


def test_file_is_never_replaced(tmp_path: Path, capsys) -> None:
    target = tmp_path / "result"
    target.write_text("precious")
    rc, _, err = _build_cli(capsys, target)
    assert rc == 1
    assert err.strip() == (f"hwgen: error: output {target} is a file, not a folder; hwgen never "
                           "replaces a file (hint: choose another -o folder)")
    assert target.read_text() == "precious" and _leftovers(tmp_path) == []


def test_model_inside_or_equal_to_the_output_is_refused(earlier: Path, tmp_path: Path,
                                                        capsys) -> None:
    out = tmp_path / "b"
    shutil.copytree(earlier, out)
    before = _snapshot(out)
    model = out / "model.onnx"
    rc, _, err = _build_cli(capsys, out, str(model))
    assert rc == 1
    assert err.strip() == (f"hwgen: error: the model {model} is inside the output folder {out}; "
                           "building would replace it (hint: copy the model elsewhere or choose "
                           "another -o folder)")
    # the same through a symbolic link to the model and through a link to the folder
    link = tmp_path / "m.onnx"
    link.symlink_to(model)
    rc, _, err = _build_cli(capsys, out, str(link))
    assert rc == 1 and "is inside the output folder" in err
    (tmp_path / "alias").symlink_to(out)
    rc, _, err = _build_cli(capsys, tmp_path / "alias", str(model))
    assert rc == 1 and "is inside the output folder" in err
    assert _snapshot(out) == before
    # -o naming the model file itself
    own = tmp_path / "own.onnx"
    shutil.copyfile(model, own)
    rc, _, err = _build_cli(capsys, own, str(own))
    assert rc == 1 and "is the model file itself" in err and own.read_bytes() == model.read_bytes()


def test_current_folder_is_refused(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    rc, _, err = _build_cli(capsys, Path("."))
    assert rc == 1 and "is (or holds) the current folder" in err


def test_empty_folder_and_new_path_are_written_with_normal_permissions(tmp_path: Path,
                                                                       capsys) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    old = os.umask(0o027)
    try:
        rc, out, err = _build_cli(capsys, empty)
        assert rc == 0 and "replacing" not in err and "replacing" not in out
        rc, _, _ = _build_cli(capsys, tmp_path / "new" / "deeper")
        assert rc == 0
    finally:
        os.umask(old)
    for folder in (empty, empty / "rtl", empty / "mem", tmp_path / "new",
                   tmp_path / "new" / "deeper"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o750, folder  # 0o777 & ~umask
    assert stat.S_IMODE((empty / "manifest.json").stat().st_mode) == 0o640
    assert (empty / "manifest.json").is_file() and _leftovers(tmp_path) == []


def test_earlier_build_is_replaced_and_the_loss_is_named(earlier: Path, tmp_path: Path,
                                                         capsys) -> None:
    out = tmp_path / "b"
    shutil.copytree(earlier, out)
    (out / "sim").mkdir()
    (out / "sim" / "results.json").write_text("{}")
    report = json.loads((out / "report" / "report.json").read_text())
    report["synth"] = {"total": {}}  # as `hwgen report --synth` leaves it
    (out / "report" / "report.json").write_text(json.dumps(report))
    (out / "hls").mkdir()  # an earlier --backend both
    rc, stdout, err = _build_cli(capsys, out)
    assert rc == 0
    assert (f"replacing the earlier build in {out} (its sim/, report/ and hls/ results)\n"
            in err)
    assert f"wrote {out} (replacing the earlier build there)" in stdout
    assert not (out / "sim").exists() and not (out / "hls").exists()
    assert json.loads((out / "report" / "report.json").read_text())["synth"] is None
    assert _leftovers(tmp_path) == []
    # a plain rebuild loses nothing it does not write again, and says just that
    rc, _, err = _build_cli(capsys, out)
    assert rc == 0 and f"replacing the earlier build in {out}\n" in err


def test_failed_build_leaves_the_earlier_build_and_no_temp_folder(earlier: Path, tmp_path: Path,
                                                                 monkeypatch) -> None:
    import hwgen.build as build_mod

    out = tmp_path / "b"
    shutil.copytree(earlier, out)
    before = _snapshot(out)

    def broken(*_args) -> None:
        raise HwgenError("simulated failure while writing the board files")

    monkeypatch.setattr(build_mod, "_write_board", broken)
    with pytest.raises(HwgenError, match="simulated failure"):
        build(MODEL, out)
    assert _snapshot(out) == before and _leftovers(tmp_path) == []


def test_folder_that_changes_during_the_build_is_not_replaced(tmp_path: Path,
                                                              monkeypatch) -> None:
    import hwgen.build as build_mod

    out = tmp_path / "b"
    fill = build_mod._fill

    def fill_then_user_writes(tmp, *args):
        manifest = fill(tmp, *args)
        out.mkdir()
        (out / "draft.txt").write_text("written meanwhile")
        return manifest

    monkeypatch.setattr(build_mod, "_fill", fill_then_user_writes)
    with pytest.raises(HwgenError, match="is not empty and not an earlier hwgen build"):
        build(MODEL, out)
    assert [p.name for p in out.iterdir()] == ["draft.txt"] and _leftovers(tmp_path) == []


@pytest.mark.parametrize("command", ["sim", "report"])
def test_sim_and_report_name_the_missing_build_folder(command: str, tmp_path: Path,
                                                      capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    extra = ["--inputs", "x.npy"] if command == "sim" else []
    assert main([command, "nosuch", *extra]) == 1
    assert capsys.readouterr().err == ("hwgen: error: build folder nosuch does not exist; run "
                                       "`hwgen build MODEL -o nosuch` first\n")
    Path("plain").mkdir()
    assert main([command, "plain", *extra]) == 1
    assert capsys.readouterr().err == ("hwgen: error: plain is not a hwgen build folder (it has "
                                       "no manifest.json); run `hwgen build MODEL -o plain` "
                                       "first\n")
    Path("f.txt").write_text("x")
    assert main([command, "f.txt", *extra]) == 1
    assert "f.txt is a file, not a build folder" in capsys.readouterr().err


def test_model_path_messages(tmp_path: Path) -> None:
    with pytest.raises(HwgenError, match=r"model file .*nosuch.onnx does not exist"):
        resolve_model(tmp_path / "nosuch.onnx")
    with pytest.raises(HwgenError, match=r"is a folder, not a file"):
        resolve_model(tmp_path)
