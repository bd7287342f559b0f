"""A small PNG reader and writer (8-bit greyscale, RGB or RGBA, not
interlaced: what Chromium's --screenshot writes), so tests can look at a
screenshot's pixels with nothing but Python's standard library."""
import struct
import zlib

_CHANNELS = {0: 1, 2: 3, 6: 4}


def read(path):
    """(width, height, rows): rows[y] is a bytes of RGB triples."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("%s: not a PNG file" % path)
    pos, idat, head = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + n
    w, h, depth, color, _, _, interlace = head
    if depth != 8 or color not in _CHANNELS or interlace:
        raise ValueError("%s: PNG kind %d/%d/%d not supported" %
                         (path, depth, color, interlace))
    ch = _CHANNELS[color]
    raw = zlib.decompress(b"".join(idat))
    stride = w * ch
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - ch] if i >= ch else 0
            b = prev[i]
            c = prev[i - ch] if i >= ch else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else
                                      b if pb <= pc else c)) & 255
        prev = line
        if ch == 3:
            rows.append(bytes(line))
        elif ch == 4:
            rows.append(bytes(b for i in range(0, stride, 4)
                              for b in line[i:i + 3]))
        else:
            rows.append(bytes(b for v in line for b in (v, v, v)))
    return w, h, rows


def write(path, w, h, rows):
    """An RGB PNG from rows of RGB bytes."""
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))
    raw = b"".join(b"\0" + r for r in rows)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 6)))
        f.write(chunk(b"IEND", b""))


def crop(src, dst, y0, y1):
    w, h, rows = read(src)
    rows = rows[y0:min(y1, h)]
    write(dst, w, len(rows), rows)
