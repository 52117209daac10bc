"""Business cards drawn with PIL at test time (DejaVu from fonts-dejavu-core): no images are
committed, and the expected fields are known exactly."""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def font(size: int, bold: bool = False, serif: bool = False) -> ImageFont.FreeTypeFont:
    name = ("DejaVuSerif" if serif else "DejaVuSans") + ("-Bold" if bold else "") + ".ttf"
    return ImageFont.truetype(str(FONT_DIR / name), size)


def render_card(path: Path, rows: list[tuple[str, int, bool]], *, size: tuple[int, int] = (1050, 600),
                background: str = "white", ink: str = "black", serif: bool = False,
                x: int = 60, rotate: int = 0) -> Path:
    """``rows`` are (text, font size, bold), drawn top to bottom; ``rotate`` turns the finished
    card (90, 180, 270) as a visitor might hold it."""
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    y = 50
    for text, px, bold in rows:
        draw.text((x, y), text, font=font(px, bold, serif), fill=ink)
        y += int(px * 1.55)
    if rotate:
        image = image.rotate(rotate, expand=True)
    image.save(path)
    return path
