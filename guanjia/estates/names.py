"""Pinyin keys for name search: 张三 → ("zhangsan", "zs")."""

from pypinyin import Style, lazy_pinyin


def pinyin_keys(name: str) -> tuple[str, str]:
    name = (name or "").strip()
    # One conversion for both keys: a syllable's initial is its first letter (the same as
    # Style.FIRST_LETTER, for every GB 2312 character), and an import converts 100,000 names.
    syllables = lazy_pinyin(name, style=Style.NORMAL, errors="default")
    full = "".join(syllables).lower().replace(" ", "")
    initials = "".join(w[:1] for p in syllables for w in p.split()).lower()
    return full[:200], initials.replace(" ", "")[:50]
