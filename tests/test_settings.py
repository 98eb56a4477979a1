"""Settings are data: one table feeds --help and the README, and resolves default < environment < option."""

from __future__ import annotations

import pytest

from plangraph import resources
from plangraph.settings import BY_NAME, SETTINGS, Setting, help_for, resolve

README = resources.PROJECT_ROOT / "README.md"


def test_settings_are_prefixed_and_unique() -> None:
    names = [s.name for s in SETTINGS]
    envs = [s.env for s in SETTINGS]
    assert len(set(names)) == len(names)
    assert len(set(envs)) == len(envs)
    for setting in SETTINGS:
        assert setting.env.startswith("PLANGRAPH_")
        assert setting.help.strip()


@pytest.mark.parametrize("setting", SETTINGS, ids=[s.env for s in SETTINGS])
def test_readme_lists_every_setting(setting: Setting) -> None:
    assert README.exists(), "README.md is missing"
    assert setting.env in README.read_text(encoding="utf-8"), f"README.md does not list {setting.env}"


def test_defaults_apply_without_environment_or_options() -> None:
    values = resolve({})
    assert values == {s.name: s.default for s in SETTINGS}
    assert values["base_iri"] == "https://w3id.org/plangraph/herne/"
    assert values["dataset"] == str(resources.DATASET_FILE)


def test_environment_overrides_default() -> None:
    values = resolve({"PLANGRAPH_PORT": "8080", "PLANGRAPH_BASE_IRI": "https://example.org/city/"})
    assert values["port"] == "8080"
    assert values["base_iri"] == "https://example.org/city/"
    assert values["host"] == BY_NAME["host"].default


def test_override_beats_environment_and_none_does_not() -> None:
    environ = {"PLANGRAPH_PORT": "8080", "PLANGRAPH_HOST": "0.0.0.0"}
    values = resolve(environ, {"port": "9000", "host": None})
    assert values["port"] == "9000"
    assert values["host"] == "0.0.0.0"


def test_override_beats_default_without_environment() -> None:
    assert resolve({}, {"threads": "8"})["threads"] == "8"


def test_unrelated_environment_is_ignored() -> None:
    assert resolve({"PORT": "1", "plangraph_port": "2"})["port"] == BY_NAME["port"].default


def test_help_for_names_the_variable_and_default() -> None:
    text = help_for("port")
    assert "PLANGRAPH_PORT" in text
    assert "default 5000" in text
