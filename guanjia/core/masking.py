"""Masks for personal data shown to roles that do not need it in full (DESIGN.md §10, AR-4)."""


def mask_phone(number: str) -> str:
    digits = (number or "").strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_id(number: str) -> str:
    value = (number or "").strip()
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: for lists published to owners (LW-1)."""
    name = (name or "").strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""
