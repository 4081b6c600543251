"""Agency credits: split them off the end of a caption and take them apart.

Wire captions end with the credit line, in house styles that differ per agency:

    ... July 18, 2014. REUTERS/Yuri Maltsev/File Photo
    ... in Ottawa on Tuesday. THE CANADIAN PRESS/Paul Chiasson
    ... on Monday. AP Photo/Jane Doe, File
    ... in Paris. AFP PHOTO / JOHN SMITH
    ... in Cairo (Photo: Jane Doe/AFP)

Only the last few hundred characters of a caption are ever examined, and the
patterns are anchored and free of nested quantifiers, so the work stays linear
however long the caption is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A credit line is short; looking further back only finds sentences, not credits.
_TAIL = 200

# Agency spellings seen in credit lines (lower-cased) -> the agency's usual name.
AGENCIES = {
    "reuters": "Reuters",
    "ap": "AP",
    "ap photo": "AP",
    "associated press": "AP",
    "the associated press": "AP",
    "afp": "AFP",
    "afp photo": "AFP",
    "the canadian press": "The Canadian Press",
    "canadian press": "The Canadian Press",
    "epa": "EPA",
    "epa-efe": "EPA-EFE",
    "efe": "EFE",
    "getty images": "Getty Images",
    "anadolu agency": "Anadolu Agency",
    "bloomberg": "Bloomberg",
    "xinhua": "Xinhua",
    "spa": "SPA",
    "wam": "WAM",
    "pa": "PA",
    "pa wire": "PA",
    "dpa": "dpa",
}
# Parts of a credit that describe the picture rather than name anyone.
_FILE_MARKERS = {"file", "file photo", "archive"}
_ROLE_MARKERS = {"pool", "handout", "via reuters", "via ap", "photo"}

_PHOTO_BY_PREFIX = re.compile(
    r"^(?:photo|photograph|picture|image|credit)s?\s*(?:by\s+|:\s*)", re.IGNORECASE
)
_FILE_PHOTO_PREFIX = re.compile(r"^\s*file\s+photo\s*:", re.IGNORECASE)
# Where a credit may start: after the end of a sentence or a closing quote/bracket.
_SENTENCE_END = '.!?"”’)]'


@dataclass(frozen=True)
class CreditParts:
    caption: str
    credit: str = ""
    agency: str = ""
    photographer: str = ""
    is_file_photo: bool = False


def split_credit(caption: str) -> CreditParts:
    """Split a trailing agency credit off a caption.

    Returns the caption without the credit (otherwise unchanged, a leading
    "FILE PHOTO:" included), the credit as printed, the agency's usual name, the
    photographer and whether it is a file photo. A caption whose ending is not a
    credit form we know is returned untouched with an empty credit.
    """
    starts_as_file_photo = bool(_FILE_PHOTO_PREFIX.match(caption))
    stripped = caption.rstrip()
    tail_start = max(0, len(stripped) - _TAIL)

    # A credit in brackets at the very end: "(Photo: Name/AFP)", "(AP Photo/Name, File)".
    opening = stripped.rfind("(", tail_start) if stripped.endswith(")") else -1
    if opening >= 0:
        credit = _PHOTO_BY_PREFIX.sub("", stripped[opening + 1 : -1].strip(), count=1)
        agency, photographer, is_file = parse_credit_line(credit)
        if agency:
            return CreditParts(
                caption=stripped[:opening].rstrip(),
                credit=credit,
                agency=agency,
                photographer=photographer,
                is_file_photo=is_file or starts_as_file_photo,
            )

    # The longest trailing segment, starting at a sentence boundary, that reads as a
    # credit. Longest, so that "REUTERS/John F. Kennedy" is not cut after "F.".
    for start in _candidate_starts(stripped, tail_start):
        credit = stripped[start:]
        agency, photographer, is_file = parse_credit_line(credit)
        if agency:
            return CreditParts(
                caption=stripped[:start].rstrip(),
                credit=credit,
                agency=agency,
                photographer=photographer,
                is_file_photo=is_file or starts_as_file_photo,
            )
    return CreditParts(caption=caption, is_file_photo=starts_as_file_photo)


def parse_credit_line(credit: str) -> tuple[str, str, bool]:
    """Read ``(agency, photographer, is_file_photo)`` from a credit given on its own.

    Knows agency-first forms ("REUTERS/Name/File Photo", "AP Photo/Name, File",
    "AFP PHOTO / NAME", "THE CANADIAN PRESS/Name"), photographer-first forms
    ("Name/Getty Images", "Photo: Name/AFP") and a bare agency ("Getty Images").
    Anything else gives ``("", "", False)``.
    """
    text = _PHOTO_BY_PREFIX.sub("", credit.strip(), count=1)
    if not text or len(text) > _TAIL or "\n" in text or "(" in text or ")" in text:
        return "", "", False
    parts = [part.strip() for part in text.split("/")]
    if any(not part for part in parts):
        return "", "", False

    is_file = False
    people: list[str] = []
    agency = ""
    if lead := _agency(parts[0]):
        agency = lead
        rest = parts[1:]
    elif len(parts) >= 2 and (trail := _agency(parts[-1])):
        agency = trail
        rest = parts[:-1]
    else:
        return "", "", False

    for part in rest:
        name, file_suffix = _strip_file_suffix(part)
        lowered = name.lower()
        if lowered in _FILE_MARKERS:
            is_file = True
        elif lowered in _ROLE_MARKERS or _agency(name):
            continue
        elif _looks_like_name(name):
            people.append(_tidy_name(name))
            is_file = is_file or file_suffix
        else:
            return "", "", False
    return agency, ", ".join(people), is_file


def _candidate_starts(text: str, tail_start: int) -> list[int]:
    """Positions in the tail where a credit could begin, earliest first."""
    starts = [0] if tail_start == 0 else []
    for index in range(max(tail_start, 1), len(text)):
        if text[index - 1] == "\n" or (
            text[index - 1] == " " and index >= 2 and text[index - 2] in _SENTENCE_END
        ):
            starts.append(index)
    return [start for start in starts if start < len(text) and not text[start].isspace()]


def _agency(text: str) -> str:
    key = " ".join(text.lower().split())
    # Getty distributes for others: "AFP via Getty Images" is AFP's picture.
    if key.endswith(" via getty images"):
        return AGENCIES.get(key.removesuffix(" via getty images"), "Getty Images")
    return AGENCIES.get(key, "")


def _strip_file_suffix(part: str) -> tuple[str, bool]:
    # AP style: "AP Photo/Jane Doe, File".
    head, sep, tail = part.rpartition(",")
    if sep and tail.strip().lower() in _FILE_MARKERS:
        return head.strip(), True
    return part, False


# Inside a name, a full stop only follows an initial ("John F. Kennedy", "Jr."); one
# after a longer word ends a sentence, so the text is caption, not credit.
_NOT_IN_NAME = re.compile(r"[a-z]{2}\.|[\d!?:;()\[\]\"“”]")


def _looks_like_name(text: str) -> bool:
    return 0 < len(text.split()) <= 6 and not _NOT_IN_NAME.search(text)


def _tidy_name(name: str) -> str:
    """Title-case a name set in capitals ("JOHN SMITH" -> "John Smith"); keep others."""
    name = " ".join(name.split())
    if not name.isupper():
        return name
    return re.sub(r"[^\W\d_]+", lambda m: m[0].capitalize(), name.lower())
