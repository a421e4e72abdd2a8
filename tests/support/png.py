"""The colours of a PNG, read with the standard library: enough to tell a screenshot of a page
from a blank one."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {2: 3, 6: 4}  # colour type: RGB, RGBA


def colours(path: Path) -> set[bytes]:
    """Every distinct pixel of an 8-bit RGB or RGBA PNG (what Chromium's screenshots are)."""
    data = path.read_bytes()
    assert data.startswith(SIGNATURE), "not a PNG"
    offset, idat = len(SIGNATURE), b""
    width = height = step = 0
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind, body = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, interlace) == (8, 0), body
            assert colour_type in CHANNELS, body
            step = CHANNELS[colour_type]
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    raw, stride = zlib.decompress(idat), width * step
    previous, found = bytearray(stride), set[bytes]()
    for row in range(height):
        start = row * (stride + 1)
        line = bytearray(raw[start + 1 : start + 1 + stride])
        unfilter(raw[start], line, previous, step)
        found.update(bytes(line[i : i + step]) for i in range(0, stride, step))
        previous = line
    return found


def unfilter(kind: int, line: bytearray, previous: bytearray, step: int) -> None:
    """Undoes one row's filter in place (PNG specification, section 9)."""
    if kind == 0:
        return
    for i in range(len(line)):
        left = line[i - step] if i >= step else 0
        up = previous[i]
        corner = previous[i - step] if i >= step else 0
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            guess = left + up - corner
            near = min((abs(guess - left), 0), (abs(guess - up), 1), (abs(guess - corner), 2))
            line[i] = (line[i] + (left, up, corner)[near[1]]) & 0xFF
