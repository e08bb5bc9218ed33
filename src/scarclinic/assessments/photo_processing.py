"""The upload pipeline for clinical photographs: bytes in, a clean JPEG and a thumbnail out.

No ORM and no storage here, so every rule can be tested on bytes alone. What is refused:
anything that is not really a JPEG, PNG or HEIC picture (the name and the content type a
browser sends are never looked at), files over the size limit, pictures over the pixel
limit (decompression bombs: a few kilobytes that would decode to gigabytes), and truncated
files. What is kept: the pixels, turned upright by the EXIF orientation and converted to
sRGB, re-encoded from scratch, so no EXIF (GPS above all), XMP, IPTC, comment or ICC
profile of the original survives; and the SHA-256 of the bytes as they were received, to
prove later what was uploaded.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

pillow_heif.register_heif_opener()

# Pillow's names of the decoders tried, and of the formats accepted. MPO is what Pillow's
# JPEG decoder reports for the JPEGs of many phones (a second, depth or preview, picture
# appended): it is a JPEG.
DECODERS = ("JPEG", "PNG", "HEIF")
ACCEPTED_FORMATS = ("JPEG", "MPO", "PNG", "HEIF")
FORMAT_NAMES = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "HEIF": "HEIC"}
JPEG_QUALITY = 90
THUMBNAIL_SIDE = 320  # pixels on the long side
THUMBNAIL_QUALITY = 80
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class PhotoRejected(ValueError):
    """The upload is not a photograph this clinic will store; the message says why, in words
    the person uploading can act on."""


@dataclass(frozen=True)
class ProcessedPhoto:
    image: bytes  # JPEG, upright, sRGB, no metadata
    thumbnail: bytes  # JPEG, THUMBNAIL_SIDE on the long side at most
    width: int
    height: int
    original_sha256: str
    original_format: str  # JPEG, PNG or HEIC: what the bytes were, not what they claimed


def megabytes(n: int) -> str:
    if n < 1_000_000:
        return f"{n / 1000:.0f} KB"
    value = n / 1_000_000
    return f"{value:.0f} MB" if value >= 10 or value == int(value) else f"{value:.1f} MB"


def megapixels(n: int) -> str:
    value = n / 1_000_000
    return f"{value:.0f} megapixels" if value == int(value) else f"{value:.1f} megapixels"


def process_upload(data: bytes, *, max_bytes: int, max_pixels: int) -> ProcessedPhoto:
    """Check that ``data`` is a photograph within the limits and return it cleaned.

    Raises :class:`PhotoRejected` with a message for the person uploading; never any other
    exception for any input."""
    if not data:
        raise PhotoRejected("The file is empty.")
    if len(data) > max_bytes:
        raise PhotoRejected(
            f"The file is {megabytes(len(data))}; photos may be at most {megabytes(max_bytes)}."
        )
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        with warnings.catch_warnings():
            # Pillow only warns between Image.MAX_IMAGE_PIXELS and twice that; here that is
            # a refusal too, so max_pixels above Pillow's limit is capped by it. (Filters are
            # process-wide; if threads interleave, the worst left behind is this "error".)
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture, source_format = _decode(data, max_pixels=max_pixels)
            clean = _clean_rgb(picture)
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(max_pixels) from exc
    except MemoryError as exc:
        raise _too_many_pixels(max_pixels) from exc
    except Exception as exc:  # noqa: BLE001
        # An image decoder fed hostile bytes can fail in many ways (OSError, SyntaxError,
        # struct.error, IndexError, ...); each means the same thing to the person uploading.
        raise PhotoRejected(
            "The file could not be read as a photograph: it may be damaged or incomplete."
        ) from exc
    return ProcessedPhoto(
        image=_jpeg(clean, JPEG_QUALITY),
        thumbnail=_jpeg(_thumbnail(clean), THUMBNAIL_QUALITY),
        width=clean.width,
        height=clean.height,
        original_sha256=sha256,
        original_format=FORMAT_NAMES[source_format],
    )


def _too_many_pixels(max_pixels: int) -> PhotoRejected:
    return PhotoRejected(
        f"The picture is too large to process; photos may be at most {megapixels(max_pixels)}."
    )


def _decode(data: bytes, *, max_pixels: int) -> tuple[Image.Image, str]:
    try:
        probe = Image.open(io.BytesIO(data), formats=DECODERS)
    except UnidentifiedImageError as exc:
        raise PhotoRejected(
            "The file is not a photograph: only JPEG, PNG and HEIC are accepted."
        ) from exc
    source_format = probe.format or ""
    if source_format not in ACCEPTED_FORMATS:
        raise PhotoRejected("The file is not a photograph: only JPEG, PNG and HEIC are accepted.")
    width, height = probe.size
    # Checked on the header, before a single pixel is decoded.
    if width < 1 or height < 1 or width * height > max_pixels:
        raise _too_many_pixels(max_pixels)
    if source_format == "PNG":
        probe.verify()  # checksums of every chunk; the image must be opened again after it
        probe = Image.open(io.BytesIO(data), formats=("PNG",))
    probe.load()  # a truncated file fails here (ImageFile.LOAD_TRUNCATED_IMAGES stays off)
    return probe, source_format


def _clean_rgb(picture: Image.Image) -> Image.Image:
    """Upright, 8-bit sRGB pixels in a new image that carries nothing of the original."""
    upright = ImageOps.exif_transpose(picture)
    icc = picture.info.get("icc_profile")
    if upright.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit greyscale (some PNGs): scale to 8 bits instead of clipping to white.
        upright = upright.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    elif upright.mode == "F":
        upright = upright.convert("L")
    if upright.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        upright.mode == "P" and "transparency" in upright.info
    ):
        # Transparent areas become white, not the arbitrary colour hidden under them.
        rgba = upright.convert("RGBA")
        flattened = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flattened.alpha_composite(rgba)
        upright = flattened.convert("RGB")
    if icc and upright.mode in ("RGB", "CMYK"):
        upright = _to_srgb(upright, icc)
    rgb = upright.convert("RGB")
    # A fresh image from the pixels alone: EXIF, XMP, comments and profiles stay behind.
    return Image.frombytes("RGB", rgb.size, rgb.tobytes())


def _to_srgb(picture: Image.Image, icc: bytes) -> Image.Image:
    # Phones shoot in Display P3 and similar; converted once here, the colours stay right
    # after the profile itself is dropped.
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(picture, source, _SRGB, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return picture  # a broken profile, or one for other pixels: keep them as they are
    return converted if converted is not None else picture


def _thumbnail(clean: Image.Image) -> Image.Image:
    thumb = clean.copy()
    thumb.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    return thumb


def _jpeg(picture: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()
