"""Pinyin keys for name search: 张三 → ("zhangsan", "zs")."""

from pypinyin import Style, lazy_pinyin


def pinyin_keys(name: str) -> tuple[str, str]:
    name = (name or "").strip()
    full = "".join(lazy_pinyin(name, style=Style.NORMAL, errors="default")).lower().replace(" ", "")
    initials = "".join(w[:1] for p in lazy_pinyin(name, style=Style.FIRST_LETTER) for w in p.split()).lower()
    return full[:200], initials.replace(" ", "")[:50]
