"""Descriptive metadata embedded in photos: XMP, IPTC IIM and EXIF.

``extract_metadata`` returns a plain dict that an upload form can use to pre-fill a
MediaAsset. Where the three standards disagree, XMP wins over IIM, which wins over EXIF:
that is the order in which photo software (and the IPTC's own guidance) trusts them.

Nothing here decodes pixels: Pillow only parses headers, and the JPEG marker segments
are walked by hand up to the start of the image data. Garbage metadata never raises;
whatever can be read is returned.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import IO, Any

from PIL import Image

from .validation import accepted_formats, sniff_format

logger = logging.getLogger(__name__)

# XMP namespaces.
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML = "http://www.w3.org/XML/1998/namespace"
DC = "http://purl.org/dc/elements/1.1/"
PHOTOSHOP = "http://ns.adobe.com/photoshop/1.0/"
IPTC_CORE = "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"
EXIF_NS = "http://ns.adobe.com/exif/1.0/"

# Our key -> XMP property, in Clark notation.
XMP_FIELDS = {
    "caption": f"{{{DC}}}description",
    "title": f"{{{DC}}}title",
    "headline": f"{{{PHOTOSHOP}}}Headline",
    "credit": f"{{{PHOTOSHOP}}}Credit",
    "creator": f"{{{DC}}}creator",
    "source": f"{{{PHOTOSHOP}}}Source",
    "copyright": f"{{{DC}}}rights",
    "keywords": f"{{{DC}}}subject",
    "alt_text": f"{{{IPTC_CORE}}}AltTextAccessibility",
    "city": f"{{{PHOTOSHOP}}}City",
    "country": f"{{{PHOTOSHOP}}}Country",
}
XMP_DATES = (f"{{{PHOTOSHOP}}}DateCreated", f"{{{EXIF_NS}}}DateTimeOriginal")

# Our key -> IIM (record, dataset) in the application record.
IIM_FIELDS = {
    "caption": (2, 120),
    "title": (2, 5),
    "headline": (2, 105),
    "credit": (2, 110),
    "creator": (2, 80),
    "source": (2, 115),
    "copyright": (2, 116),
    "keywords": (2, 25),
    "city": (2, 90),
    "country": (2, 101),
}
IIM_CODED_CHARSET = (1, 90)
IIM_DATE_CREATED = (2, 55)
IIM_TIME_CREATED = (2, 60)
IIM_UTF8 = b"\x1b%G"  # ISO 2022 escape sequence that announces UTF-8
IIM_IRB_ID = 0x0404  # Photoshop image resource that holds the IIM records

# EXIF tags.
EXIF_IMAGE_DESCRIPTION = 0x010E
EXIF_ARTIST = 0x013B
EXIF_COPYRIGHT = 0x8298
EXIF_IFD = 0x8769
EXIF_DATETIME_ORIGINAL = 0x9003
EXIF_OFFSET_TIME_ORIGINAL = 0x9011
# Captions that cameras write on their own; they describe nothing.
CAMERA_PLACEHOLDERS = {"OLYMPUS DIGITAL CAMERA", "SONY DSC", "DIGITAL CAMERA", "SAMSUNG"}

JPEG_XMP_PREFIX = b"http://ns.adobe.com/xap/1.0/\x00"
JPEG_PHOTOSHOP_PREFIX = b"Photoshop 3.0\x00"
IRB_SIGNATURES = {b"8BIM", b"MeSa", b"PHUT", b"AgHg", b"DCSR"}
LIST_KEYS = {"keywords"}


def extract_metadata(fileobj: IO[bytes] | bytes) -> dict[str, Any]:
    """Read caption, credit, creator, rights, keywords, date and place from an image.

    Keys (each omitted when absent): caption, title, headline, credit, creator,
    source, copyright, keywords (list), date_taken (aware datetime; naive values are
    taken as UTC), alt_text, city, country. Strings are stripped. Never raises for
    bad metadata or a bad file; the file position is left at the start.
    """
    if isinstance(fileobj, bytes | bytearray | memoryview):
        fileobj = io.BytesIO(bytes(fileobj))

    xmp_packets: list[bytes] = []
    iim_data = b""
    exif_data: bytes | None = None
    try:
        fileobj.seek(0)
        image_format = sniff_format(fileobj.read(64))
        if image_format not in accepted_formats():
            return {}
        fileobj.seek(0)
        if image_format == "JPEG":
            xmp_packets, iim_data = _read_jpeg_segments(fileobj)
            fileobj.seek(0)
        with warnings.catch_warnings():
            # Header parsing only: bomb and corrupt-EXIF warnings concern pixels we
            # never decode, or EXIF we read defensively below.
            warnings.simplefilter("ignore")
            with Image.open(fileobj, formats=[image_format]) as img:
                info_xmp = img.info.get("xmp")
                if isinstance(info_xmp, str):
                    info_xmp = info_xmp.encode("utf-8")
                if isinstance(info_xmp, bytes) and not xmp_packets:
                    xmp_packets = [info_xmp]
                raw_exif = img.info.get("exif")
                if isinstance(raw_exif, bytes):
                    exif_data = raw_exif
    except Exception:
        logger.debug("Could not read image headers for metadata", exc_info=True)
    finally:
        # A closed or unseekable file is the caller's problem, not a metadata error.
        with contextlib.suppress(Exception):
            fileobj.seek(0)

    sources = [
        _guarded(_from_xmp, xmp_packets),
        _guarded(_from_iim, iim_data),
        _guarded(_from_exif, exif_data),
    ]
    result: dict[str, Any] = {}
    for source in sources:
        for key, value in source.items():
            if value and key not in result:
                result[key] = value
    return result


def _guarded(reader, data) -> dict[str, Any]:
    if not data:
        return {}
    try:
        return reader(data)
    except Exception:
        logger.debug("Ignoring unreadable metadata (%s)", reader.__name__, exc_info=True)
        return {}


# --- JPEG segments --------------------------------------------------------------


def _read_jpeg_segments(fileobj: IO[bytes]) -> tuple[list[bytes], bytes]:
    """Return the XMP packets and the Photoshop IRB data from a JPEG's APP segments.

    Photoshop splits an IRB larger than one segment across consecutive APP13
    segments, each starting with the "Photoshop 3.0" header; the payloads are joined.
    """
    xmp: list[bytes] = []
    irb_parts: list[bytes] = []
    for marker, payload in _jpeg_segments(fileobj):
        if marker == 0xE1 and payload.startswith(JPEG_XMP_PREFIX):
            xmp.append(payload[len(JPEG_XMP_PREFIX) :])
        elif marker == 0xED and payload.startswith(JPEG_PHOTOSHOP_PREFIX):
            irb_parts.append(payload[len(JPEG_PHOTOSHOP_PREFIX) :])
    return xmp, _iim_from_irb(b"".join(irb_parts))


def _jpeg_segments(fileobj: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """Yield (marker, payload) for APPn segments, stopping at the image data."""
    if fileobj.read(2) != b"\xff\xd8":
        return
    while True:
        byte = fileobj.read(1)
        if byte != b"\xff":
            return
        marker = fileobj.read(1)
        while marker == b"\xff":  # fill bytes
            marker = fileobj.read(1)
        if not marker or marker[0] in (0xD9, 0xDA):  # end of image, start of scan
            return
        if 0xD0 <= marker[0] <= 0xD7 or marker[0] == 0x01:  # markers without length
            continue
        length_bytes = fileobj.read(2)
        if len(length_bytes) < 2:
            return
        length = int.from_bytes(length_bytes, "big") - 2
        if length < 0:
            return
        if 0xE0 <= marker[0] <= 0xEF:
            yield marker[0], fileobj.read(length)
        else:
            fileobj.seek(length, io.SEEK_CUR)


def _iim_from_irb(data: bytes) -> bytes:
    """Find the IPTC-NAA resource (0x0404) in a sequence of Photoshop image resources."""
    pos = 0
    while pos + 12 <= len(data) and data[pos : pos + 4] in IRB_SIGNATURES:
        resource_id = int.from_bytes(data[pos + 4 : pos + 6], "big")
        name_length = data[pos + 6]
        pos += 6 + ((name_length + 2) & ~1)  # Pascal string padded to an even length
        size = int.from_bytes(data[pos : pos + 4], "big")
        pos += 4
        if resource_id == IIM_IRB_ID:
            return data[pos : pos + size]
        pos += (size + 1) & ~1
    return b""


# --- IPTC IIM -------------------------------------------------------------------


def _parse_iim(data: bytes) -> dict[tuple[int, int], list[bytes]]:
    records: dict[tuple[int, int], list[bytes]] = {}
    pos = 0
    while pos + 5 <= len(data) and data[pos] == 0x1C:
        record, dataset = data[pos + 1], data[pos + 2]
        length = int.from_bytes(data[pos + 3 : pos + 5], "big")
        pos += 5
        if length & 0x8000:  # extended dataset: the next N bytes hold the length
            count = length & 0x7FFF
            length = int.from_bytes(data[pos : pos + count], "big")
            pos += count
        records.setdefault((record, dataset), []).append(data[pos : pos + length])
        pos += length
    return records


def _from_iim(data: bytes) -> dict[str, Any]:
    records = _parse_iim(data)
    declared_utf8 = any(IIM_UTF8 in value for value in records.get(IIM_CODED_CHARSET, []))

    def decode(raw: bytes) -> str:
        if declared_utf8:
            return _clean(raw.decode("utf-8", "replace"))
        return _clean(_decode_legacy(raw))

    result: dict[str, Any] = {}
    for key, tag in IIM_FIELDS.items():
        values = [text for raw in records.get(tag, []) if (text := decode(raw))]
        if not values:
            continue
        result[key] = values if key in LIST_KEYS else ", ".join(values)
    date = records.get(IIM_DATE_CREATED)
    if date:
        time = records.get(IIM_TIME_CREATED, [b""])[0]
        result["date_taken"] = _parse_iim_datetime(decode(date[0]), decode(time))
    return result


def _decode_legacy(raw: bytes) -> str:
    """IIM without a declared charset: UTF-8 if it is valid, else Windows-1252."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # cp1252 leaves five bytes undefined


def _parse_iim_datetime(date: str, time: str) -> datetime | None:
    match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", date)
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    hour = minute = second = 0
    tz = UTC
    time_match = re.fullmatch(r"(\d{2})(\d{2})(\d{2})(?:([+-])(\d{2})(\d{2}))?", time)
    if time_match:
        hour, minute, second = (int(part) for part in time_match.groups()[:3])
        sign, tz_hours, tz_minutes = time_match.groups()[3:]
        if sign:
            offset = timedelta(hours=int(tz_hours), minutes=int(tz_minutes))
            tz = timezone(-offset if sign == "-" else offset)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError:
        return None


# --- XMP ------------------------------------------------------------------------


def _from_xmp(packets: list[bytes]) -> dict[str, Any]:
    properties: dict[str, str | list[str]] = {}
    for packet in packets:
        for name, value in _xmp_properties(packet):
            properties.setdefault(name, value)

    result: dict[str, Any] = {}
    for key, name in XMP_FIELDS.items():
        value = properties.get(name)
        if isinstance(value, list):
            items = [text for item in value if (text := _clean(item))]
            value = items if key in LIST_KEYS else ", ".join(items)
        elif isinstance(value, str):
            value = [_clean(value)] if key in LIST_KEYS else _clean(value)
        if value and value != [""]:
            result[key] = value
    for name in XMP_DATES:
        value = properties.get(name)
        if isinstance(value, str) and (parsed := _parse_iso_datetime(value)):
            result["date_taken"] = parsed
            break
    return result


def _xmp_properties(packet: bytes) -> Iterator[tuple[str, str | list[str]]]:
    """Yield (property, value) for the top-level properties of an XMP packet."""
    # XMP never needs a DTD. Refusing one up front rules out entity expansion
    # ("billion laughs") and external entities before the parser sees the bytes.
    upper = packet.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        logger.info("Ignoring an XMP packet that declares a DTD")
        return
    start = min(
        (i for i in (packet.find(b"<x:xmpmeta"), packet.find(b"<rdf:RDF")) if i >= 0),
        default=-1,
    )
    if start < 0:
        return
    end = packet.rfind(b"</x:xmpmeta>")
    end = end + len(b"</x:xmpmeta>") if end >= 0 else packet.rfind(b"</rdf:RDF>") + 10
    root = ET.fromstring(packet[start:end])  # noqa: S314 - DTDs refused above
    rdf = root if root.tag == f"{{{RDF}}}RDF" else root.find(f"{{{RDF}}}RDF")
    if rdf is None:
        return
    for description in rdf.findall(f"{{{RDF}}}Description"):
        # Simple properties may be written as attributes of rdf:Description.
        for name, value in description.attrib.items():
            if not name.startswith(f"{{{RDF}}}"):
                yield name, value
        for element in description:
            value = _xmp_value(element)
            if value is not None:
                yield element.tag, value


def _xmp_value(element: ET.Element) -> str | list[str] | None:
    children = list(element)
    if not children:
        return element.text or ""
    container = children[0]
    items = container.findall(f"{{{RDF}}}li")
    if container.tag == f"{{{RDF}}}Alt":
        # Language alternatives: the default language, else the first one given.
        for item in items:
            if item.get(f"{{{XML}}}lang") == "x-default":
                return item.text or ""
        return (items[0].text or "") if items else None
    if container.tag in (f"{{{RDF}}}Seq", f"{{{RDF}}}Bag"):
        return [item.text or "" for item in items if not len(item)]
    return None  # a structure: none of the fields we read is one


def _parse_iso_datetime(value: str) -> datetime | None:
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        # XMP allows truncated dates: "2017" or "2017-07".
        match = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", value)
        if not match:
            return None
        try:
            parsed = datetime(int(match[1]), int(match[2] or 1), 1)
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# --- EXIF -----------------------------------------------------------------------


def _from_exif(data: bytes) -> dict[str, Any]:
    exif = Image.Exif()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow warns about corrupt IFDs and reads on
        exif.load(data)
        exif_ifd = exif.get_ifd(EXIF_IFD)
    result: dict[str, Any] = {}
    description = _exif_text(exif.get(EXIF_IMAGE_DESCRIPTION))
    if description and description.upper() not in CAMERA_PLACEHOLDERS:
        result["caption"] = description
    if artist := _exif_text(exif.get(EXIF_ARTIST)):
        result["creator"] = artist
    if notice := _exif_text(exif.get(EXIF_COPYRIGHT)):
        result["copyright"] = notice
    taken = _parse_exif_datetime(
        _exif_text(exif_ifd.get(EXIF_DATETIME_ORIGINAL)),
        _exif_text(exif_ifd.get(EXIF_OFFSET_TIME_ORIGINAL)),
    )
    if taken:
        result["date_taken"] = taken
    return result


def _exif_text(value: object) -> str:
    if isinstance(value, bytes):
        value = _decode_legacy(value)
    elif isinstance(value, str):
        # Pillow decodes EXIF ASCII as Latin-1, but many cameras and editors write UTF-8.
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            value = value.encode("latin-1").decode("utf-8")
    else:
        return ""
    # The copyright tag may hold "photographer\0editor".
    return ", ".join(part for part in (_clean(p) for p in value.split("\x00")) if part)


def _parse_exif_datetime(value: str, offset: str) -> datetime | None:
    match = re.fullmatch(r"(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})", value)
    if not match:
        return None
    tz = UTC
    offset_match = re.fullmatch(r"([+-])(\d{2}):(\d{2})", offset)
    if offset_match:
        delta = timedelta(hours=int(offset_match[2]), minutes=int(offset_match[3]))
        tz = timezone(-delta if offset_match[1] == "-" else delta)
    try:
        return datetime(*(int(part) for part in match.groups()), tzinfo=tz)
    except ValueError:  # "0000:00:00 00:00:00" and other placeholders
        return None


def _clean(text: str) -> str:
    return text.replace("\x00", "").strip()
