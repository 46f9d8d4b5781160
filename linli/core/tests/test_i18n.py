"""Chinese first: every marked string has a zh_Hans translation, and the
compiled catalogue matches its source."""

import ast
import gettext
import os
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

import linli

PACKAGE = Path(linli.__file__).parent
LOCALE = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES"


def _po_entries(po: Path = LOCALE / "django.po") -> list[tuple[str, list[str]]]:
    """(msgid, [msgstr…]) for each entry of django.po, continuation lines joined.

    An entry with a context (pgettext) is keyed "context\x04msgid", as in the compiled catalogue."""
    entries, current, key, context = [], None, None, ""
    for line in po.read_text(encoding="utf-8").splitlines():
        match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) (".*")$', line)
        if match:
            key = match.group(1)
            value = ast.literal_eval(match.group(2))
            if key == "msgctxt":
                context = value
                continue
            if key == "msgid":
                current = {"msgid": "", "msgstr": [], "context": context}
                entries.append(current)
                context = ""
            if key == "msgid":
                current["msgid"] = value
            elif key.startswith("msgstr"):
                current["msgstr"].append(value)
        elif line.startswith('"') and current is not None:
            value = ast.literal_eval(line)
            if key == "msgid":
                current["msgid"] += value
            elif key and key.startswith("msgstr"):
                current["msgstr"][-1] += value
        elif line.startswith("#, fuzzy") and entries:
            raise AssertionError(f"fuzzy translation after {entries[-1]['msgid']!r}: review it")
    return [(f"{e['context']}\x04{e['msgid']}" if e["context"] else e["msgid"], e["msgstr"])
            for e in entries if e["msgid"]]


def test_every_marked_string_is_translated_to_chinese():
    missing = [msgid for msgid, msgstrs in _po_entries() if not all(msgstrs)]
    assert missing == []


def test_the_compiled_catalogue_is_up_to_date():
    with open(LOCALE / "django.mo", "rb") as f:
        catalog = gettext.GNUTranslations(f)
    stale = [msgid for msgid, msgstrs in _po_entries()
             if "\x00" not in msgid and catalog.gettext(msgid) != msgstrs[0] and len(msgstrs) == 1]
    assert stale == [], "run: cd linli && linli compilemessages"


def test_every_string_marked_in_the_code_is_in_the_catalogue(tmp_path, monkeypatch, settings):
    """makemessages on a copy of the code finds nothing new: no string marked
    for translation was left out of django.po (the real tree is not touched)."""
    if shutil.which("xgettext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("xgettext is missing: install Debian's gettext (scripts/test.sh does)")
        pytest.skip("xgettext is missing: install Debian's gettext")
    copy = tmp_path / "linli"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "static", "*.mo", "tests"))
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["zh_Hans"], no_obsolete=True, verbosity=0)
    po = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    missing = [msgid for msgid, msgstrs in _po_entries(po) if not all(msgstrs)]
    assert missing == [], "run: cd linli && linli makemessages -l zh_Hans --no-obsolete, translate, compilemessages"
