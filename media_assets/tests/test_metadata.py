import io
from datetime import UTC, datetime, timedelta, timezone

import pytest
from PIL import Image, PngImagePlugin

from media_assets.metadata import extract_metadata

# --- builders for metadata blocks -------------------------------------------------


def iim(*datasets: tuple[int, int, bytes]) -> bytes:
    return b"".join(
        b"\x1c" + bytes([record, dataset]) + len(value).to_bytes(2, "big") + value
        for record, dataset, value in datasets
    )


def irb(resource_id: int, data: bytes) -> bytes:
    padding = b"\x00" * (len(data) % 2)
    # Signature, id, empty Pascal name (padded to two bytes), size, data.
    return (
        b"8BIM"
        + resource_id.to_bytes(2, "big")
        + b"\x00\x00"
        + len(data).to_bytes(4, "big")
        + data
        + padding
    )


def segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def app13(resources: bytes, split_at: int | None = None) -> bytes:
    parts = [resources] if split_at is None else [resources[:split_at], resources[split_at:]]
    return b"".join(segment(0xED, b"Photoshop 3.0\x00" + part) for part in parts)


def app1_xmp(packet: str | bytes) -> bytes:
    if isinstance(packet, str):
        packet = packet.encode("utf-8")
    return segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + packet)


def xmp(body: str, *, attributes: str = "") -> str:
    return (
        "<?xpacket begin='\ufeff' id='W5M0MpCehiHzreSzNTczkc9d'?>"
        "<x:xmpmeta xmlns:x='adobe:ns:meta/'>"
        "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
        "<rdf:Description rdf:about=''"
        " xmlns:dc='http://purl.org/dc/elements/1.1/'"
        " xmlns:photoshop='http://ns.adobe.com/photoshop/1.0/'"
        " xmlns:Iptc4xmpCore='http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/'"
        f" {attributes}>{body}</rdf:Description></rdf:RDF></x:xmpmeta>"
        "<?xpacket end='w'?>"
    )


def alt(*items: tuple[str, str]) -> str:
    lis = "".join(f"<rdf:li xml:lang='{lang}'>{text}</rdf:li>" for lang, text in items)
    return f"<rdf:Alt>{lis}</rdf:Alt>"


def jpeg_with(*segments: bytes, exif: Image.Exif | None = None) -> bytes:
    buffer = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    Image.new("RGB", (16, 16), (90, 120, 150)).save(buffer, format="JPEG", **options)
    data = buffer.getvalue()
    return data[:2] + b"".join(segments) + data[2:]


def make_exif(**tags) -> Image.Exif:
    exif = Image.Exif()
    for tag, value in tags.items():
        exif[int(tag.removeprefix("t"), 16)] = value
    return exif


# --- the shared reference files ---------------------------------------------------


def test_iptc_reference_image_2017(shared_data):
    path = shared_data / "iptc" / "IPTC-PhotometadataRef-Std2017.1.jpg"
    assert extract_metadata(path.read_bytes()) == {
        "caption": "The description aka caption (ref2017.1)",
        "title": "The Title (ref2017.1)",
        "headline": "The Headline (ref2017.1)",
        "credit": "Credit Line (ref2017.1)",
        # XMP lists two creators, IIM and EXIF only the first: XMP wins.
        "creator": "Creator1 (ref2017.1), Creator2 (ref2017.1)",
        "source": "Source (ref2017.1)",
        "copyright": "Copyright (Notice) 2017.1 IPTC - www.iptc.org  (ref2017.1)",
        "keywords": ["Keyword1ref2017.1", "Keyword2ref2017.1", "Keyword3ref2017.1"],
        "date_taken": datetime(2017, 7, 13, 17, 1, tzinfo=UTC),
        "city": "City (Core) (ref2017.1)",
        "country": "Country (Core) (ref2017.1)",
    }


def test_photoshop_file_with_utf8_iim(shared_data):
    # Headline in IIM (with 1:90 = ESC % G) and as an XMP attribute; nothing else.
    path = shared_data / "iptc" / "metaphotoshop.jpg"
    assert extract_metadata(path.read_bytes()) == {"headline": "Headline"}


def test_iim_keywords_city_country_and_exif_date(shared_data):
    path = shared_data / "iptc" / "iptc.jpg"
    assert extract_metadata(path.read_bytes()) == {
        "keywords": ["HvK", "2006", "summer", "July", "holiday", "Hungary", "Budapest"],
        "city": "Budapest",
        "country": "Hungary",
        # EXIF DateTimeOriginal "2006:07:08 21:14:45" has no zone: taken as UTC.
        "date_taken": datetime(2006, 7, 8, 21, 14, 45, tzinfo=UTC),
    }


def test_irb_split_over_several_app13_segments(shared_data):
    path = shared_data / "iptc" / "app13-multiple.jpg"
    with path.open("rb") as fileobj:
        metadata = extract_metadata(fileobj)
        assert fileobj.tell() == 0
    # IIM 2:55 "20191014" and 2:60 "150020+0000".
    assert metadata == {"date_taken": datetime(2019, 10, 14, 15, 0, 20, tzinfo=UTC)}


@pytest.mark.parametrize(
    "name",
    [
        "hostile/hopper_bad_exif.jpg",
        "hostile/png_decompression_dos.png",
        "hostile/decompression_bomb.gif",
        "hostile/broken.png",
        "hostile/truncated_image.png",
        "hostile/zero_width.gif",
    ],
)
def test_hostile_files_give_no_metadata_and_no_error(shared_data, name):
    assert extract_metadata((shared_data / name).read_bytes()) == {}


# --- built in memory ----------------------------------------------------------------


def test_xmp_wins_over_iim_wins_over_exif():
    exif = make_exif(t010E="exif caption", t013B="Exif Artist", t8298="exif rights")
    iim_block = iim((2, 120, b"iim caption"), (2, 80, b"IIM By-line"))
    packet = xmp(f"<dc:description>{alt(('x-default', 'xmp caption'))}</dc:description>")

    everything = jpeg_with(app13(irb(0x0404, iim_block)), app1_xmp(packet), exif=exif)
    assert extract_metadata(everything) == {
        "caption": "xmp caption",
        "creator": "IIM By-line",
        "copyright": "exif rights",
    }
    without_xmp = jpeg_with(app13(irb(0x0404, iim_block)), exif=exif)
    assert extract_metadata(without_xmp)["caption"] == "iim caption"
    only_exif = jpeg_with(exif=exif)
    assert extract_metadata(only_exif) == {
        "caption": "exif caption",
        "creator": "Exif Artist",
        "copyright": "exif rights",
    }


@pytest.mark.parametrize(
    ("datasets", "expected"),
    [
        # Declared UTF-8 (ESC % G in 1:90).
        ([(1, 90, b"\x1b%G"), (2, 120, "Zoë in Köln".encode())], "Zoë in Köln"),
        # Undeclared but valid UTF-8.
        ([(2, 120, "Zoë in Köln".encode())], "Zoë in Köln"),
        # Undeclared legacy Windows-1252 (curly quotes are 0x93/0x94 there).
        ([(2, 120, "“Zoë” in Köln".encode("cp1252"))], "“Zoë” in Köln"),
        # Bytes cp1252 leaves undefined fall back to Latin-1.
        ([(2, 120, b"caf\xe9 \x81")], "café \x81"),
    ],
    ids=["declared-utf8", "undeclared-utf8", "cp1252", "latin1"],
)
def test_iim_charsets(datasets, expected):
    data = jpeg_with(app13(irb(0x0404, iim(*datasets))))
    assert extract_metadata(data) == {"caption": expected}


def test_correct_xmp_beats_mojibake_iim():
    # Software that wrote UTF-8 into IIM but declared Latin-1 produces mojibake.
    iim_block = iim((1, 90, b"\x1b.A"), (2, 120, "Zoë".encode().decode("latin-1").encode()))
    packet = xmp(f"<dc:description>{alt(('x-default', 'Zoë'))}</dc:description>")
    data = jpeg_with(app13(irb(0x0404, iim_block)), app1_xmp(packet))
    assert extract_metadata(data)["caption"] == "Zoë"


def test_iim_repeated_fields_date_and_time_zone():
    iim_block = iim(
        (2, 25, b"politics"),
        (2, 25, b"  election "),
        (2, 80, b"Jane Doe"),
        (2, 80, b"John Roe"),
        (2, 5, b"OBJ-123"),
        (2, 105, b"Polls close"),
        (2, 110, b"REUTERS"),
        (2, 115, b"Reuters"),
        (2, 116, b"(c) Reuters 2017"),
        (2, 55, b"20170713"),
        (2, 60, b"170100-0500"),
    )
    assert extract_metadata(jpeg_with(app13(irb(0x0404, iim_block)))) == {
        "keywords": ["politics", "election"],
        "creator": "Jane Doe, John Roe",
        "title": "OBJ-123",
        "headline": "Polls close",
        "credit": "REUTERS",
        "source": "Reuters",
        "copyright": "(c) Reuters 2017",
        "date_taken": datetime(2017, 7, 13, 17, 1, tzinfo=timezone(-timedelta(hours=5))),
    }


def test_iim_record_spanning_two_app13_segments():
    caption = ("A long caption. " * 40).strip()
    resources = irb(0x03ED, b"\x00" * 16) + irb(0x0404, iim((2, 120, caption.encode())))
    data = jpeg_with(app13(resources, split_at=60))
    assert extract_metadata(data) == {"caption": caption}


def test_xmp_fields_lang_alt_and_lists():
    body = (
        f"<dc:title>{alt(('de', 'Titel'), ('x-default', 'Title'))}</dc:title>"
        f"<dc:description>{alt(('en-GB', 'Only one language'))}</dc:description>"
        "<dc:creator><rdf:Seq>"
        "<rdf:li>Jane Doe</rdf:li><rdf:li>John Roe</rdf:li>"
        "</rdf:Seq></dc:creator>"
        "<dc:subject><rdf:Bag>"
        "<rdf:li>politics</rdf:li><rdf:li> vote </rdf:li>"
        "</rdf:Bag></dc:subject>"
        f"<dc:rights>{alt(('x-default', '© Agency'))}</dc:rights>"
        f"<Iptc4xmpCore:AltTextAccessibility>{alt(('x-default', 'A queue of voters'))}"
        "</Iptc4xmpCore:AltTextAccessibility>"
        "<photoshop:Credit>AFP</photoshop:Credit>"
        "<photoshop:City> Beirut </photoshop:City>"
    )
    attributes = "photoshop:Country='Lebanon' photoshop:DateCreated='2020-08-04T18:08:00+03:00'"
    data = jpeg_with(app1_xmp(xmp(body, attributes=attributes)))
    assert extract_metadata(data) == {
        "title": "Title",
        "caption": "Only one language",
        "creator": "Jane Doe, John Roe",
        "keywords": ["politics", "vote"],
        "copyright": "© Agency",
        "alt_text": "A queue of voters",
        "credit": "AFP",
        "city": "Beirut",
        "country": "Lebanon",
        "date_taken": datetime(2020, 8, 4, 18, 8, tzinfo=timezone(timedelta(hours=3))),
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2017-07-13", datetime(2017, 7, 13, tzinfo=UTC)),
        ("2017-07", datetime(2017, 7, 1, tzinfo=UTC)),
        ("2017-07-13T17:01:00Z", datetime(2017, 7, 13, 17, 1, tzinfo=UTC)),
        ("2017-07-13T17:01", datetime(2017, 7, 13, 17, 1, tzinfo=UTC)),
    ],
)
def test_xmp_date_forms(value, expected):
    data = jpeg_with(app1_xmp(xmp(f"<photoshop:DateCreated>{value}</photoshop:DateCreated>")))
    assert extract_metadata(data) == {"date_taken": expected}


def test_xmp_with_a_dtd_is_ignored():
    packet = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        + xmp("<photoshop:Headline>&b;</photoshop:Headline>")
    )
    data = jpeg_with(app13(irb(0x0404, iim((2, 105, b"IIM headline")))), app1_xmp(packet))
    assert extract_metadata(data) == {"headline": "IIM headline"}


def test_exif_fields_and_offset():
    exif = make_exif(t010E="  A caption  ", t013B="Jane Doe", t8298="Jane Doe\x00Desk Editor")
    exif.get_ifd(0x8769).update({0x9003: "2019:05:04 10:20:30", 0x9011: "+02:00"})
    assert extract_metadata(jpeg_with(exif=exif)) == {
        "caption": "A caption",
        "creator": "Jane Doe",
        "copyright": "Jane Doe, Desk Editor",
        "date_taken": datetime(2019, 5, 4, 10, 20, 30, tzinfo=timezone(timedelta(hours=2))),
    }


def test_exif_utf8_text_and_camera_placeholders():
    # Written as UTF-8 bytes, as many cameras and editors do; Pillow reads Latin-1.
    exif = make_exif(t010E="OLYMPUS DIGITAL CAMERA", t013B="Zoë Brückner".encode())
    exif.get_ifd(0x8769)[0x9003] = "0000:00:00 00:00:00"
    assert extract_metadata(jpeg_with(exif=exif)) == {"creator": "Zoë Brückner"}


@pytest.mark.parametrize(
    "segments",
    [
        [segment(0xED, b"Photoshop 3.0\x00" + b"8BIM\x04\x04\x00\x00\xff\xff\xff\xff\x1c\x02")],
        [segment(0xED, b"Photoshop 3.0\x00" + irb(0x0404, b"\x1c\x02\x78\x80\x09\xff"))],
        [segment(0xE1, b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff")],
        [app1_xmp(b"<x:xmpmeta><rdf:RDF><unclosed")],
        [app1_xmp(b"\xff\xfe\x00garbage")],
    ],
    ids=["irb-overlong", "iim-bad-extended-length", "exif-bad-ifd", "xmp-malformed", "xmp-binary"],
)
def test_garbage_metadata_never_raises(segments):
    assert extract_metadata(jpeg_with(*segments)) == {}


@pytest.mark.parametrize("data", [b"", b"not an image", b"<svg/>", b"\xff\xd8\xff"])
def test_non_images_give_nothing(data):
    assert extract_metadata(data) == {}


def test_png_xmp_is_read_without_decoding_pixels():
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp("<photoshop:Headline>PNG headline</photoshop:Headline>"))
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), (10, 20, 30)).save(buffer, format="PNG", pnginfo=info)
    data = buffer.getvalue()
    # Cut the pixel data short: reading metadata must not need it.
    truncated = data[: data.index(b"IDAT") + 20]
    assert extract_metadata(truncated) == {"headline": "PNG headline"}


def test_webp_exif_is_read():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="WEBP", exif=make_exif(t013B="Web Pee"))
    assert extract_metadata(buffer.getvalue()) == {"creator": "Web Pee"}
