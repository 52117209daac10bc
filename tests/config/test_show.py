"""Show configs: the embedded demo, hand-written shows, and shows pulled from central."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from forms import default_form_path
from kiosk.config import list_shows, load_show, write_show
from kiosk.errors import ConfigError

BANT = default_form_path().read_text(encoding="utf-8")


def _show(data_dir: Path, show_id: str, text: str, **files: str) -> Path:
    d = data_dir / "shows" / show_id
    d.mkdir(parents=True, exist_ok=True)
    (d / "show.yaml").write_text(text, encoding="utf-8")
    for name, content in files.items():
        (d / name.replace("_", ".")).write_text(content, encoding="utf-8")
    return d


def test_embedded_demo_show(tmp_path: Path) -> None:
    show = load_show(tmp_path, "demo")
    assert show.embedded and (show.id, show.name, show.retention_days) == ("demo", "Demo Show 2026", 30)
    assert show.form_path == default_form_path() and show.destinations == []
    assert show.branding.color == "#1565c0" and show.branding.title
    products = show.form.question("product_interest").options
    assert len(products) >= 3
    assert all(o.label["en"] and o.label["de"] for o in products)
    assert any(o.label["en"] != o.label["de"] for o in products)
    assert show.badge_profile is not None  # the scan package's default profile


def test_demo_can_be_replaced_in_the_data_dir(tmp_path: Path) -> None:
    _show(tmp_path, "demo", "id: demo\nname: Our own demo\n")
    show = load_show(tmp_path, "demo")
    assert not show.embedded and show.name == "Our own demo"


def test_hand_written_show_with_files_beside_it(tmp_path: Path) -> None:
    form = BANT.replace('version: "2026.1"', 'version: "fair-7"')
    d = _show(tmp_path, "fair", "id: fair\nname: Fair 2026\nretention_days: 14\n"
              "branding: {title: Hello, color: '#ff0000', logo: logo.png}\n"
              "destinations:\n  - {name: central, kind: central}\n"
              "  - {name: hubspot, kind: hubspot, token_env: HUBSPOT_TOKEN, extra: [1, 2]}\n",
              form_yaml=form, roster_csv="registration_id,first_name\nA-100,Ana\n", logo_png="png")
    show = load_show(tmp_path, "fair")
    assert show.form_path == d / "form.yaml" and show.form.version == "fair-7"
    assert show.roster_path == d / "roster.csv" and show.badge_profile_path is None
    assert show.retention_days == 14 and show.branding.logo == d / "logo.png"
    assert show.destinations[1] == {"name": "hubspot", "kind": "hubspot", "token_env": "HUBSPOT_TOKEN",
                                    "extra": [1, 2]}
    assert show.badge_profile.roster is not None  # the show's roster attached to the default profile
    assert show.branding.get("title") == "Hello"


def test_missing_show(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_show(tmp_path, "nope")
    assert str(tmp_path / "shows" / "nope" / "show.yaml") in str(info.value)
    assert "does not exist" in str(info.value)


@pytest.mark.parametrize("bad", ["../etc", "a/b", "", ".hidden"])
def test_show_ids_cannot_escape_the_data_dir(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ConfigError, match="show id"):
        load_show(tmp_path, bad)


CASES = [
    ("id: fair\ncolour: red\n", "colour", "no such key"),
    ("id: other\n", "id", "'fair' (the show's directory name)"),
    ("id: fair\nname: 5\n", "name", "text"),
    ("id: fair\nform: custom.yaml\n", "form", "does not exist"),
    ("id: fair\nbadge_profile: 7\n", "badge_profile", "a file name"),
    ("id: fair\nretention_days: thirty\n", "retention_days", "whole days"),
    ("id: fair\nretention_days: 0\n", "retention_days", "whole days"),
    ("id: fair\nretention_days: 2.5\n", "retention_days", "whole days"),
    ("id: fair\nbranding: {color: blue}\n", "branding.color", "#1565c0"),
    ("id: fair\nbranding: {colour: '#000000'}\n", "branding.colour", "did you mean 'color'"),
    ("id: fair\nbranding: {logo: missing.png}\n", "branding.logo", "does not exist"),
    ("id: fair\ndestinations: {name: x}\n", "destinations", "a list"),
    ("id: fair\ndestinations: [hubspot]\n", "destinations[0]", "a mapping"),
    ("id: fair\ndestinations: [{name: a}]\n", "destinations[0].kind", "text"),
    ("id: fair\ndestinations: [{name: a, kind: central}, {name: a, kind: webhook}]\n",
     "destinations[1].name", "unique"),
    ("- just a list\n", "(top level)", "a mapping"),
    ("id: fair\nname: [unclosed\n", "(file)", "valid YAML"),
]


@pytest.mark.parametrize("text,path,words", CASES, ids=[c[1] + ":" + c[2] for c in CASES])
def test_each_mistake_names_file_key_and_expectation(tmp_path: Path, text: str, path: str, words: str) -> None:
    d = _show(tmp_path, "fair", text)
    with pytest.raises(ConfigError) as info:
        load_show(tmp_path, "fair")
    err = info.value
    assert err.source == str(d / "show.yaml")
    assert any(p == path and words in m for p, m in err.problems), err.problems
    assert str(d / "show.yaml") in str(err)


def test_broken_show_form_is_a_config_error(tmp_path: Path) -> None:
    d = _show(tmp_path, "fair", "id: fair\n", form_yaml=BANT.replace("hot: 70", "hot: lots"))
    show = load_show(tmp_path, "fair")
    with pytest.raises(ConfigError) as info:
        show.form
    assert str(d / "form.yaml") in str(info.value) and "scoring.thresholds.hot" in str(info.value)


def test_badge_profile_beside_the_show(tmp_path: Path) -> None:
    _show(tmp_path, "fair", "id: fair\n", badge_yaml="name: fairbadge\nformats: [vcard, json]\n")
    assert load_show(tmp_path, "fair").badge_profile.name == "fairbadge"


def test_list_shows_skips_broken_ones(tmp_path: Path) -> None:
    _show(tmp_path, "good", "id: good\nname: Good\n")
    _show(tmp_path, "bad", "id: bad\nretention_days: -1\n")
    assert [s.id for s in list_shows(tmp_path)] == ["demo", "good"]


# ---- config pulled from central ----------------------------------------------------------------
CENTRAL = {"id": "fair", "name": "Fair 2026", "branding": {"title": "Hi", "color": "#00aa00", "logo": None},
           "retention_days": 21, "destinations": [{"name": "central", "kind": "central"},
                                                   {"name": "n8n", "kind": "webhook", "url": "https://x"}]}


def _entries(data_dir: Path) -> list[str]:
    """What write_show left in shows/ besides its lock file."""
    return sorted(p.name for p in (data_dir / "shows").iterdir() if p.name != ".fair.lock")


def test_write_show_from_central(tmp_path: Path) -> None:
    form = BANT.replace('version: "2026.1"', 'version: "2026.7"')
    show = write_show(tmp_path, "fair", json.loads(json.dumps(CENTRAL)), form,
                      "name: fairbadge\nformats: [vcard]\n", "registration_id,first_name\nA-1,Ana\n")
    d = tmp_path / "shows" / "fair"
    assert sorted(p.name for p in d.iterdir()) == ["badge.yaml", "form.yaml", "roster.csv", "show.yaml"]
    assert _entries(tmp_path) == ["fair"]  # no staging left
    assert show.form.version == "2026.7" and show.retention_days == 21
    assert show.destinations == CENTRAL["destinations"] and show.badge_profile.name == "fairbadge"
    assert show.badge_profile.roster is not None
    on_disk = yaml.safe_load((d / "show.yaml").read_text())
    assert on_disk["form"] == "form.yaml" and on_disk["roster"] == "roster.csv"
    assert load_show(tmp_path, "fair") == show  # the copy a kiosk keeps for offline use


def test_write_show_replaces_the_previous_copy(tmp_path: Path) -> None:
    write_show(tmp_path, "fair", CENTRAL, BANT, None, "registration_id\nA-1\n")
    show = write_show(tmp_path, "fair", dict(CENTRAL, name="Fair, renamed"), None, None, None)
    assert show.name == "Fair, renamed" and show.form_path == default_form_path()
    assert show.roster_path is None
    assert sorted(p.name for p in (tmp_path / "shows" / "fair").iterdir()) == ["show.yaml"]


@pytest.mark.parametrize("kwargs,words", [
    ({"form_yaml": BANT.replace("hot: 70", "hot: lots")}, "form_yaml.scoring.thresholds.hot"),
    ({"badge_yaml": "formats: [telepathy]\n"}, "badge_yaml"),
    ({"show": dict(CENTRAL, retention_days="forever")}, "retention_days"),
    ({"show": dict(CENTRAL, id="other")}, "id"),
])
def test_a_bad_config_from_central_keeps_the_last_good_copy(tmp_path: Path, kwargs: dict, words: str) -> None:
    good = write_show(tmp_path, "fair", CENTRAL, BANT, None, None)
    args = {"show": CENTRAL, "form_yaml": BANT, "badge_yaml": None, "roster_csv": None, **kwargs}
    with pytest.raises(ConfigError) as info:
        write_show(tmp_path, "fair", args["show"], args["form_yaml"], args["badge_yaml"], args["roster_csv"])
    assert words in str(info.value)
    assert load_show(tmp_path, "fair") == good
    assert _entries(tmp_path) == ["fair"]


def test_interrupted_swap_still_finds_the_previous_copy(tmp_path: Path) -> None:
    write_show(tmp_path, "fair", CENTRAL, BANT, None, None)
    shows = tmp_path / "shows"
    (shows / "fair").rename(shows / ".fair.old")  # power cut between the two renames
    show = load_show(tmp_path, "fair")
    assert show.name == "Fair 2026" and show.form.id == "bant"


def test_readers_during_concurrent_writes_always_see_a_complete_show(tmp_path: Path) -> None:
    """The kiosk reads its show while the sync worker writes a new one: a read between the
    writer's two renames once found show.yaml but not its form.yaml. Bounded: 2 writers x 8
    writes, 2 readers reading until the writers are done."""
    import threading

    write_show(tmp_path, "fair", dict(CENTRAL, name="writer start"), BANT, None, "registration_id\nA\n")
    errors: list[BaseException] = []
    done = threading.Event()
    reads = [0]

    def writer(i: int) -> None:
        try:
            for _ in range(8):
                write_show(tmp_path, "fair", dict(CENTRAL, name=f"writer {i}"), BANT, None,
                           "registration_id\nA\n")
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    def reader() -> None:
        try:
            while not done.is_set():
                show = load_show(tmp_path, "fair")
                assert show.name.startswith("writer ") and show.form.id == "bant"
                reads[0] += 1
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    writers = [threading.Thread(target=writer, args=(i,)) for i in range(2)]
    readers = [threading.Thread(target=reader) for _ in range(2)]
    for t in writers + readers:
        t.start()
    for t in writers:
        t.join(timeout=60)
    done.set()
    for t in readers:
        t.join(timeout=60)
    assert errors == []
    assert reads[0] > 0


def test_logo_reference_from_central_is_dropped(tmp_path: Path) -> None:
    show = write_show(tmp_path, "fair", dict(CENTRAL, branding={"title": "x", "color": "#000000",
                                                                "logo": "https://cdn/logo.png"}))
    assert show.branding.logo is None and show.branding.color == "#000000"


def test_concurrent_writers_leave_one_complete_copy(tmp_path: Path) -> None:
    import threading

    errors: list[BaseException] = []

    def writer(i: int) -> None:
        try:
            for _ in range(5):
                write_show(tmp_path, "fair", dict(CENTRAL, name=f"writer {i}"), BANT, None, "registration_id\nA\n")
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    show = load_show(tmp_path, "fair")
    assert show.name.startswith("writer ") and show.form.id == "bant"
    left = sorted(p.name for p in (tmp_path / "shows").iterdir())
    assert left == [".fair.lock", "fair"]
