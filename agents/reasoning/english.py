"""A role or job title in English, for the English lines the tools write (statement_en) and the English drafts: the
tenant's own word (profile terms_en: 区域经理 → the area manager), else the generic English of the title's ending
(总经理 → the General Manager), never the Chinese role in an English sentence."""

from __future__ import annotations

import re

CJK = re.compile(r"[\u4e00-\u9fff]")

# how a job title reads in English; its ending decides (采购总监 → Director); checked in order
TITLES_EN = (
    ("副总经理", "Deputy General Manager"),
    ("总经理", "General Manager"),
    ("总裁", "President"),
    ("董事长", "Chairman"),
    ("总监", "Director"),
    ("经理", "Manager"),
    ("主任", "Director"),
    ("主管", "Supervisor"),
    ("队长", "Captain"),
    ("工程师", "Engineer"),
    ("医生", "Dr."),
    ("教授", "Professor"),
)
# a role that approves or grants (a row of an authority table) may end in words no one is addressed by
ROLES_EN = (*TITLES_EN, ("顾问", "Advisor"), ("代表", "Representative"))


def role_en(role: str, terms: dict[str, str] | None = None) -> str:
    """区域经理 → the tenant's word for it ("the area manager"), else "the Manager" by its ending; a role already in
    English, or one no word and no ending names, as written."""
    role = role.strip()
    if not CJK.search(role):
        return role
    terms = terms or {}
    if role in terms and not CJK.search(terms[role]):
        return terms[role].strip()
    english = role
    for zh in sorted(terms, key=len, reverse=True):  # several roles in one cell ("区域经理或财务总监")
        english = english.replace(zh, terms[zh])
    if not CJK.search(english):
        return english.strip()
    for ending, title in ROLES_EN:
        if role.endswith(ending):
            return f"the {title}"
    return role
