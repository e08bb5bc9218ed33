"""The upload pipeline on bytes alone: what is accepted comes out upright and bare of
metadata; what is not a photograph, too big or damaged is refused with a reason.

The sample files are made here with Pillow and pillow-heif; the other photo tests use them."""

from __future__ import annotations

import functools
import hashlib
import io

import pillow_heif
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageCms

from scarclinic.assessments.photo_processing import (
    THUMBNAIL_SIDE,
    PhotoRejected,
    ProcessedPhoto,
    process_upload,
)

MAX_BYTES = 5_000_000
MAX_PIXELS = 20_000_000
GPS_MARKER = "Islamabad clinic roof"  # also written as a text tag: must not survive

# ---------------------------------------------------------------------------------------
# Sample files


def two_colour(width: int = 200, height: int = 100) -> Image.Image:
    """Left half red, right half blue: which way up it is shows in the pixels."""
    image = Image.new("RGB", (width, height), (220, 20, 20))
    image.paste((20, 20, 220), (width // 2, 0, width, height))
    return image


def exif_with_gps(orientation: int = 6) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.ImageDescription] = GPS_MARKER
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (33.0, 41.0, 12.5),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (73.0, 3.0, 4.25),
    }
    return exif


def jpeg_with_gps(orientation: int = 6, size: tuple[int, int] = (200, 100)) -> bytes:
    """A phone-like JPEG: EXIF orientation, camera make, GPS position, an sRGB profile and
    an XMP packet with the place in it."""
    buffer = io.BytesIO()
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
        f'22-rdf-syntax-ns#"><rdf:Description>{GPS_MARKER}</rdf:Description></rdf:RDF>'
        "</x:xmpmeta>"
    ).encode()
    two_colour(*size).save(
        buffer,
        "JPEG",
        quality=92,
        exif=exif_with_gps(orientation).tobytes(),
        icc_profile=srgb,
        xmp=xmp,
        comment=GPS_MARKER,
    )
    return buffer.getvalue()


def png_bytes(mode: str = "RGBA", size: tuple[int, int] = (120, 160)) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (30, 160, 90, 200) if mode == "RGBA" else 128).save(buffer, "PNG")
    return buffer.getvalue()


def heic_bytes() -> bytes:
    """A HEIC with EXIF GPS, if this pillow-heif can encode (it needs the x265 encoder)."""
    if not pillow_heif.libheif_info().get("HEIF"):
        pytest.skip("pillow-heif here has no HEVC encoder, so no HEIC sample can be made")
    buffer = io.BytesIO()
    two_colour(160, 96).save(buffer, "HEIF", exif=exif_with_gps(1).tobytes(), quality=80)
    return buffer.getvalue()


@functools.cache
def bomb_png(side: int = 30_000) -> bytes:
    """About 100 KB on disk, ``side`` x ``side`` pixels once decoded (900 megapixels)."""
    buffer = io.BytesIO()
    Image.new("1", (side, side)).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


TEXT_AS_JPG = b"This is a note, saved as scan.jpg.\n" * 20


def truncated_jpeg() -> bytes:
    data = jpeg_with_gps(orientation=1, size=(640, 480))
    return data[: len(data) // 2]


# ---------------------------------------------------------------------------------------
# What is kept


def _reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_bare(data: bytes) -> None:
    """A JPEG with no EXIF (and so no GPS), no XMP, no comment, no ICC profile."""
    image = _reopen(data)
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert not {"exif", "xmp", "icc_profile", "comment"} & set(image.info)
    assert b"Exif" not in data
    assert GPS_MARKER.encode() not in data
    assert b"PhoneCo" not in data


def test_a_phone_jpeg_is_turned_upright_and_stored_without_exif_gps_or_xmp() -> None:
    original = jpeg_with_gps(orientation=6)
    result = process_upload(original, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)
    assert_bare(result.image)
    assert_bare(result.thumbnail)
    stored = _reopen(result.image)
    # Orientation 6: the camera held sideways; shown upright the picture is 100 x 200 and
    # what was the left (red) half is now on top.
    assert stored.size == (100, 200) == (result.width, result.height)
    top, bottom = stored.getpixel((50, 20)), stored.getpixel((50, 180))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]
    assert result.original_sha256 == hashlib.sha256(original).hexdigest()
    assert result.original_format == "JPEG"


def test_the_thumbnail_is_at_most_320_pixels_on_its_long_side() -> None:
    result = process_upload(
        jpeg_with_gps(orientation=1, size=(1200, 900)), max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS
    )
    thumb = _reopen(result.thumbnail)
    assert max(thumb.size) == THUMBNAIL_SIDE and thumb.size == (320, 240)


def test_a_png_with_transparency_is_stored_as_a_jpeg_on_white() -> None:
    result = process_upload(png_bytes("RGBA"), max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)
    assert_bare(result.image)
    assert result.original_format == "PNG"
    assert (result.width, result.height) == (120, 160)


def test_a_16_bit_greyscale_png_keeps_its_grey_instead_of_turning_white() -> None:
    buffer = io.BytesIO()
    Image.new("I;16", (40, 40), 32768).save(buffer, "PNG")
    result = process_upload(buffer.getvalue(), max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)
    pixel = _reopen(result.image).getpixel((20, 20))
    assert isinstance(pixel, tuple)
    assert 110 < pixel[0] < 145


def test_a_heic_from_an_iphone_is_accepted_and_stripped() -> None:
    result = process_upload(heic_bytes(), max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)
    assert_bare(result.image)
    assert result.original_format == "HEIC"
    assert (result.width, result.height) == (160, 96)


# ---------------------------------------------------------------------------------------
# What is refused


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: TEXT_AS_JPG, "not a photograph"),
        (lambda: b"GIF89a" + b"\x00" * 40, "not a photograph"),
        (lambda: truncated_jpeg(), "damaged or incomplete"),
        (lambda: bomb_png(), "at most 20 megapixels"),
        (lambda: bomb_png(6_000), "at most 20 megapixels"),  # under Pillow's own limit
        (lambda: b"", "empty"),
    ],
    ids=["text-renamed-jpg", "gif", "truncated-jpeg", "bomb-900mp", "bomb-36mp", "empty"],
)
def test_what_is_not_a_whole_photograph_within_the_limits_is_refused(make, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PhotoRejected, match=message):
        process_upload(make(), max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)


def test_a_gif_is_refused_even_though_it_is_an_image() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "GIF")
    with pytest.raises(PhotoRejected, match="only JPEG, PNG and HEIC"):
        process_upload(buffer.getvalue(), max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)


def test_an_oversize_file_is_refused_naming_the_limit_before_it_is_decoded() -> None:
    oversize = b"\xff\xd8" + b"\x00" * 25_000_001  # not even a JPEG: the size is checked first
    with pytest.raises(PhotoRejected, match=r"The file is 25 MB; photos may be at most 20 MB"):
        process_upload(oversize, max_bytes=20_000_000, max_pixels=MAX_PIXELS)
    with pytest.raises(PhotoRejected, match=r"photos may be at most 1.5 MB"):
        process_upload(jpeg_with_gps() + b"\x00" * 1_500_000, max_bytes=1_500_000, max_pixels=1)


# ---------------------------------------------------------------------------------------
# Whatever the bytes: a bare JPEG or a refusal, never a crash

_VALID = jpeg_with_gps(orientation=3, size=(64, 48))


@st.composite
def _hostile(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["random", "damaged", "cut"]))
    if kind == "random":
        return draw(st.binary(max_size=4096))
    data = bytearray(_VALID)
    if kind == "cut":
        return bytes(data[: draw(st.integers(0, len(data)))])
    for _ in range(draw(st.integers(1, 12))):
        position = draw(st.integers(0, len(data) - 1))
        data[position] = draw(st.integers(0, 255))
    return bytes(data)


@pytest.mark.filterwarnings("ignore::UserWarning:PIL.TiffImagePlugin")  # damaged EXIF, as expected
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_hostile())
def test_any_bytes_give_a_bare_jpeg_or_a_refusal_and_nothing_else(data: bytes) -> None:
    try:
        result = process_upload(data, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)
    except PhotoRejected as refused:
        assert str(refused)
        return
    assert isinstance(result, ProcessedPhoto)
    assert_bare(result.image)
    assert result.original_sha256 == hashlib.sha256(data).hexdigest()
