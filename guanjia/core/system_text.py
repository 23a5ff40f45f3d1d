"""System text stored in the database, shown in the reader's language.

Services store what the system says already worded: a deadline's title ("回访 GD-2026-000123"), a
log entry's summary ("派单给 王伟"), a notification's title ("已超时：整改 ZG-2026-000007"). Each is
one of the catalogue's messages with values filled in, written in the language of the moment
(Chinese, the default; English when a user working in English triggered it). At display time
`translate()` finds the message a stored text was made from, in any of the site's languages,
and renders that message in the active language with the same values. The values themselves
(ticket numbers, names, what an owner typed) are kept as they are; a value that is itself a
system label (a ticket kind, a month label, another deadline's title) is translated too.
Text made from no message (an owner's words, a message since reworded) is shown as stored, so
nothing stored has to change and old rows read as well as new ones.

User text is protected twice: only fields that hold system text go through here (never a
description or a comment), and inside a message a value containing Chinese is re-read as a
message only when it matches one exactly or through a long literal (see `_accept`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import trans_real

_PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]*)\))?[-#0 +]*\d*(?:\.\d+)?(?P<conv>[sdifgeErx%])")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# The project's own messages: Chinese, or made of Chinese punctuation around values ("%(a)s（%(b)s）").
_OURS = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_VALUE = {"d": r"-?\d+", "i": r"-?\d+", "f": r"-?\d+(?:\.\d+)?", "g": r"-?\d+(?:\.\d+)?", "e": r"[-+.\deE]+"}
# Inside another message, a value with Chinese in it is read as a message of its own only through
# at least this many Chinese characters of that message's wording: "纠正/预防措施：%(p)s" yes,
# "%(t)s回收" no (an owner's "垃圾未及时回收" must not come out as "Collection of 垃圾未及时").
NESTED_LITERAL_CJK = 4
NESTED_DEPTH = 3


@dataclass(frozen=True)
class _Pattern:
    msgid: str
    regex: re.Pattern
    names: tuple[str, ...]  # the placeholders in order of first use (positional ones named "0", "1", …)
    free: frozenset[str]  # placeholders that take any text (%s), not only a number
    head: str  # the wording before the first placeholder
    tail: str  # and after the last one
    literal: int  # characters of wording, to prefer the most specific message
    literal_cjk: int


def _compile(msgid: str, rendering: str) -> _Pattern | None:
    parts, wording, groups, free = [], [], {}, set()
    position, index = 0, 0
    for match in _PLACEHOLDER.finditer(rendering):
        text = rendering[position : match.start()]
        parts.append(re.escape(text))
        wording.append(text)
        position = match.end()
        conv = match.group("conv")
        if conv == "%":
            parts.append("%")
            wording.append("%")
            continue
        name = match.group("name")
        if name is None:
            name, index = str(index), index + 1
        if name in groups:  # the same value twice in one message
            parts.append(f"(?P={groups[name]})")
        else:
            groups[name] = f"v{len(groups)}"
            parts.append(f"(?P<{groups[name]}>{_VALUE.get(conv, '.*?')})")
        if conv in {"s", "r", "x"}:
            free.add(name)
    if not groups:
        return None
    parts.append(re.escape(rendering[position:]))
    wording.append(rendering[position:])
    words = "".join(wording)
    if not words.strip():
        return None  # "%(a)s %(b)s" says nothing: it would match any text
    first = _PLACEHOLDER.search(rendering)
    last = list(_PLACEHOLDER.finditer(rendering))[-1]
    return _Pattern(
        msgid=msgid,
        regex=re.compile("".join(parts), re.DOTALL),
        names=tuple(groups),
        free=frozenset(free),
        head=rendering[: first.start()] if first.group("conv") != "%" else "",
        tail=rendering[last.end() :] if last.group("conv") != "%" else "",
        literal=len(words),
        literal_cjk=len(_CJK.findall(words)),
    )


@dataclass
class _Catalogue:
    exact: dict[str, str]  # rendering (in any language) → msgid
    by_head: dict[str, list[_Pattern]]  # patterns by the first character of their wording
    by_tail: dict[str, list[_Pattern]]  # those starting with a value, by their last character
    floating: list[_Pattern]  # those starting and ending with a value

    def candidates(self, text: str) -> list[_Pattern]:
        found = [*self.by_head.get(text[0], ()), *self.by_tail.get(text[-1], ()), *self.floating]
        found = [p for p in found if text.startswith(p.head) and text.endswith(p.tail)]
        return sorted(found, key=lambda p: (-p.literal, p.msgid))


def _messages(language: str) -> dict[str, str]:
    """msgid → translation in `language`, for the project's own (Chinese) messages."""
    catalog = getattr(trans_real.translation(language), "_catalog", None)
    if catalog is None:  # pragma: no cover - a Django without the catalogue object
        return {}
    found = {}
    for key, value in catalog.items():
        if not isinstance(key, str) or "\x04" in key or not _OURS.search(key):
            continue  # plural forms, messages with a context, Django's own English ones
        found[key] = value or key
    return found


@lru_cache(maxsize=1)
def _catalogue() -> _Catalogue:
    """Every rendering of every message, in every site language, mapped back to its msgid."""
    renderings: dict[str, str] = {}
    for code, _name in settings.LANGUAGES:
        for msgid, text in _messages(code).items():
            renderings.setdefault(msgid, msgid)
            renderings.setdefault(text, msgid)
    catalogue = _Catalogue(exact={}, by_head={}, by_tail={}, floating=[])
    for text, msgid in renderings.items():
        pattern = _compile(msgid, text) if "%" in text else None
        if pattern is None:
            if "%" not in text:
                catalogue.exact.setdefault(text, msgid)
        elif pattern.head:
            catalogue.by_head.setdefault(pattern.head[0], []).append(pattern)
        elif pattern.tail:
            catalogue.by_tail.setdefault(pattern.tail[-1], []).append(pattern)
        else:
            catalogue.floating.append(pattern)
    return catalogue


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting in {"LANGUAGES", "LOCALE_PATHS", "LANGUAGE_CODE"}:
        _catalogue.cache_clear()
        _translate.cache_clear()


def translate(text, *, strict: bool = False) -> str:
    """`text` (system text as stored) in the active language; as stored when it is no message.

    `strict` is for a field that may also hold someone's words (a notification's body): the text
    is then read as a message only on the terms a value inside a message is (see `_accept`)."""
    if text is None:
        return ""
    text = str(text)
    if not text.strip():
        return text
    return _translate(translation.get_language() or settings.LANGUAGE_CODE, text, 1 if strict else 0) or text


@lru_cache(maxsize=8192)
def _translate(language: str, text: str, depth: int) -> str | None:
    """The translation of `text`, or None when it was made from no message."""
    catalogue = _catalogue()
    msgid = catalogue.exact.get(text)
    if msgid is not None:
        return translation.gettext(msgid)
    if depth >= NESTED_DEPTH:
        return None
    for pattern in catalogue.candidates(text):
        match = pattern.regex.fullmatch(text)
        if match is None:
            continue
        values = _accept(pattern, match, language, depth)
        if values is not None:
            rendered = _render(translation.gettext(pattern.msgid), values)
            if rendered is not None:
                return rendered
    return None


def _accept(pattern: _Pattern, match: re.Match, language: str, depth: int) -> dict[str, str] | None:
    values = {}
    for index, name in enumerate(pattern.names):
        value = match.group(f"v{index}")
        if name in pattern.free and value.strip():
            inner = _translate(language, value, depth + 1) or _translate_list(value)
            if inner is None and depth > 0 and _CJK.search(value) and pattern.literal_cjk < NESTED_LITERAL_CJK:
                return None  # probably someone's words that happen to fit a short message
            value = inner if inner is not None else value
        values[name] = value
    return values


def _translate_list(value: str) -> str | None:
    """ "用途、面积" (field names joined by the Chinese list mark) → "Use, Area", when every item is a label."""
    items = value.split("、")
    exact = _catalogue().exact
    if len(items) < 2 or not all(item in exact for item in items):
        return None
    separator = "、" if (translation.get_language() or "").startswith("zh") else ", "
    return separator.join(translation.gettext(exact[item]) for item in items)


def _render(template: str, values: dict[str, str]) -> str | None:
    """Fill `template`'s placeholders with the values already formatted (so "%(n).1f" takes "12.5")."""
    index = 0
    missing = False

    def fill(match: re.Match) -> str:
        nonlocal index, missing
        if match.group("conv") == "%":
            return "%"
        name = match.group("name")
        if name is None:
            name, index = str(index), index + 1
        if name not in values:
            missing = True
            return ""
        return values[name]

    rendered = _PLACEHOLDER.sub(fill, template)
    return None if missing else rendered
