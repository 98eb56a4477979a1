"""The German lexicon that confirms OCR repairs: Hunspell (de_DE_frami, compound-aware) through Enchant,
word frequencies from wordfreq, and the project's small exceptions file for names.

Hunspell accepts a capitalised form of every lowercase word (sentence starts), so it cannot say
whether a word is a noun. A second dictionary, made at load time from the capitalised entries of the
same .dic file, answers that: OCR repair needs it to tell "Bestanden" (participle) from "Beständen".
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from plangraph.errors import InputError, Location, SetupError

HUNSPELL_DIRS = (Path("/usr/share/hunspell"), Path("/usr/share/myspell"))
DICTIONARY = "de_DE_frami"
NOUN_DICTIONARY = "de_DE_nouns"  # made at load time; see the module docstring


class Lexicon(Protocol):
    """What OCR repair asks of a lexicon."""

    def accepts(self, word: str) -> bool: ...
    def is_noun(self, word: str) -> bool: ...
    def frequency(self, word: str) -> float: ...
    def is_protected(self, word: str) -> bool: ...
    def description(self) -> str: ...


@dataclass(frozen=True)
class Exceptions:
    """The exceptions file: names OCR repair must never change, and correct words the dictionary lacks."""

    protected: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, text: str, source: str = "ocr-exceptions.tsv") -> Exceptions:
        protected: set[str] = set()
        words: set[str] = set()
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split("\t")
            if len(parts) < 2 or parts[1].strip() not in ("name", "word"):
                raise InputError(
                    "expected 'WORD<TAB>name|word<TAB>reason'", Location(file=source, line=number)
                )
            (protected if parts[1].strip() == "name" else words).add(parts[0].strip())
        return cls(frozenset(protected), frozenset(words))

    @classmethod
    def load(cls, path: Path) -> Exceptions:
        try:
            return cls.parse(path.read_text(encoding="utf-8"), source=str(path))
        except FileNotFoundError as error:
            raise InputError("no such exceptions file", Location(file=str(path))) from error
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"cannot read the exceptions file: {error}", Location(file=str(path))) from error


@dataclass
class HunspellLexicon:
    """The real lexicon: Enchant's Hunspell provider with the frami German dictionary."""

    exceptions: Exceptions = field(default_factory=Exceptions)

    def __post_init__(self) -> None:
        import enchant  # imported here: a missing libenchant is reported as a set-up error below
        from wordfreq import zipf_frequency

        self._zipf = zipf_frequency
        dic = _find_dictionary()
        self._dictionary_version = _package_version("hunspell-de-de-frami")
        workdir = Path(tempfile.mkdtemp(prefix="plangraph-lexicon-"))
        try:
            self._full = enchant.Dict(DICTIONARY)
            _write_noun_dictionary(dic, workdir / "hunspell")
            previous = os.environ.get("ENCHANT_CONFIG_DIR")
            os.environ["ENCHANT_CONFIG_DIR"] = str(workdir)
            try:
                # a broker of its own reads the directory given above; the default broker is untouched
                self._nouns = enchant.Broker().request_dict(NOUN_DICTIONARY)
            finally:
                if previous is None:
                    os.environ.pop("ENCHANT_CONFIG_DIR", None)
                else:
                    os.environ["ENCHANT_CONFIG_DIR"] = previous
        except enchant.errors.DictNotFoundError as error:
            raise SetupError(f"the Hunspell dictionary {DICTIONARY} is not available: {error}") from error
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def accepts(self, word: str) -> bool:
        return word in self.exceptions.words or word in self.exceptions.protected or self._full.check(word)

    def is_noun(self, word: str) -> bool:
        if not word[:1].isupper():
            return False
        if word in self.exceptions.protected or word in self.exceptions.words:
            return True
        return self._full.check(word) and (not self._full.check(word.lower()) or self._nouns.check(word))

    def frequency(self, word: str) -> float:
        return float(self._zipf(word, "de"))

    def is_protected(self, word: str) -> bool:
        return word in self.exceptions.protected

    def description(self) -> str:
        from importlib.metadata import version

        return (
            f"Hunspell {DICTIONARY} (Debian hunspell-de-de-frami {self._dictionary_version}) via Enchant; "
            f"word frequencies: wordfreq {version('wordfreq')}"
        )


@dataclass
class WordListLexicon:
    """A lexicon from a word list: for hand-made test cases and for checking repair rules in isolation."""

    words: Iterable[str]
    nouns: Iterable[str] = ()
    frequencies: dict[str, float] = field(default_factory=dict)
    exceptions: Exceptions = field(default_factory=Exceptions)

    def __post_init__(self) -> None:
        self._nouns = set(self.nouns)
        self._words = set(self.words) | self._nouns

    def accepts(self, word: str) -> bool:
        if word in self._words or word in self.exceptions.words or word in self.exceptions.protected:
            return True
        # like Hunspell: a capitalised form of a known lowercase word is accepted (sentence starts)
        return word[:1].isupper() and word[:1].lower() + word[1:] in self._words

    def is_noun(self, word: str) -> bool:
        return word in self._nouns or word in self.exceptions.protected

    def frequency(self, word: str) -> float:
        return self.frequencies.get(word.lower(), 0.0)

    def is_protected(self, word: str) -> bool:
        return word in self.exceptions.protected

    def description(self) -> str:
        return f"word list of {len(self._words)} words"


def _find_dictionary() -> Path:
    for directory in HUNSPELL_DIRS:
        dic = directory / f"{DICTIONARY}.dic"
        if dic.exists() and dic.with_suffix(".aff").exists():
            return dic
    raise SetupError(
        f"the German Hunspell dictionary {DICTIONARY} is not installed "
        "(Debian package hunspell-de-de-frami; `make deps` installs it)"
    )


def _write_noun_dictionary(dic: Path, target: Path) -> None:
    """Copy the dictionary keeping only capitalised stems (nouns and names), with the same affix rules."""
    target.mkdir(parents=True)
    encoding = _dictionary_encoding(dic.with_suffix(".aff"))
    lines = dic.read_text(encoding=encoding).split("\n")[1:]
    stems = [line for line in lines if line[:1].isupper()]
    name = NOUN_DICTIONARY
    (target / f"{name}.dic").write_text(f"{len(stems)}\n" + "\n".join(stems) + "\n", encoding=encoding)
    shutil.copyfile(dic.with_suffix(".aff"), target / f"{name}.aff")


def _dictionary_encoding(aff: Path) -> str:
    for raw in aff.read_bytes().splitlines():
        if raw.startswith(b"SET "):
            return raw[4:].decode("ascii").strip().lower().replace("iso8859", "iso-8859")
    return "iso-8859-1"


def _package_version(package: str) -> str:
    """The installed Debian package's version, for the build report (dpkg's status file, no subprocess)."""
    status = Path("/var/lib/dpkg/status")
    if not status.exists():
        return "unknown"
    current = None
    for line in status.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("Package: "):
            current = line[9:].strip()
        elif current == package and line.startswith("Version: "):
            return line[9:].strip()
    return "unknown"
