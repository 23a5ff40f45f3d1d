"""Masks for personal data shown to roles that do not need it in full (DESIGN.md §10, AR-4, LW-1).

Why a masked resident ID keeps only its last four characters (GB 11643-1999)
-----------------------------------------------------------------------------
The 18 characters are: 6 digits of the address code (province 2, city 2, county 2), 8 of the
birth date (YYYYMMDD), 3 of the sequence (the last of them odd for men, even for women) and one
check character (ISO 7064 MOD 11-2, so it is fixed by the other 17). Whatever is hidden, an
attacker who knows the check rule keeps about one candidate in eleven.

The office asks for and searches by 证件尾号 (the last four), so those stay: they give away the
sequence (and with it the gender) and the check character. What is left to guess is the address
code and the birth date:

* nothing else shown: about 3,500 address codes in use × some 45,000 birth dates (1900 to now)
  ÷ 11 ≈ 1.4 × 10⁷ candidates;
* an age in years shown as well (a one-year window): 3,500 × 366 ÷ 11 ≈ 116,000;
* the full birth date shown: 3,500 ÷ 11 ≈ 320, which is why a role without `people.view_id`
  never sees the birth date (`people.view_birth_date`, estates/permissions.py);
* the old mask `3301**********2145` with the birth date: the county (two digits, ~10 in use) and
  the check leave about one — the issue that made this module change.

Keeping the first two to four digits as well (the province or city) would divide these by 30
(浙江, 125 codes) up to 3,500 (a province with a single code) and leave too few once an age is
shown, so no address digit is kept. The count is checked
against the pages themselves by guanjia/estates/tests/id_candidates.py (≥ 10,000 on every page
that shows a person, for every role without the ID permission).
"""

# Characters kept in clear at the end of any masked ID number (the 证件尾号 offices search by).
ID_TAIL = 4
RESIDENT_ID_LENGTH = 18


def mask_phone(number: str) -> str:
    digits = (number or "").strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_id(number: str) -> str:
    """11010519491231002X → **************002X: only the last four shown (see the module docstring)."""
    value = (number or "").strip()
    if len(value) <= ID_TAIL * 2:
        return "*" * len(value)
    return "*" * (len(value) - ID_TAIL) + value[-ID_TAIL:]


def mask_id_tail(last4: str, *, resident_id: bool = True) -> str:
    """The masked form from the stored last four alone (lists never decrypt the number)."""
    if not last4:
        return ""
    hidden = RESIDENT_ID_LENGTH - ID_TAIL if resident_id else ID_TAIL
    return "*" * hidden + last4


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: for lists published to owners (LW-1)."""
    name = (name or "").strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""
