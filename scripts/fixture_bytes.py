#!/usr/bin/env python3
"""Byte-level helpers for scripts/make-fixtures.sh (standard library only).

Every command is deterministic: same input bytes and arguments -> same output bytes.

  head SRC DST PERCENT                 first floor(len*PERCENT/100) bytes of SRC
  random DST N SEED [PREFIX_HEX]       N bytes: PREFIX then bytes from random.Random(SEED)
  png-huge DST WIDTH HEIGHT            signature + IHDR (8-bit RGB, correct CRC) + tiny IDAT + IEND
  icc-profile DST                      a small valid ICC v2 RGB display profile (sRGB primaries
                                       adapted to D50, gamma 2.2 curves), 4-byte aligned tags
  png-iccp SRC DST ICC NAME            insert an iCCP chunk (profile ICC, stored-deflate zlib)
                                       right after IHDR
  jpeg-exif SRC DST ORIENTATION II|MM  insert an EXIF APP1 (IFD0: Orientation only) right after SOI
  jpeg-sof SRC DST [--precision P] [--height H] [--width W]
                                       patch fields of the first SOF0 segment
  ppm-to-rgb SRC DST                   raw RGB24 pixel bytes of a binary (P6, maxval 255) PPM
  mp4-rotate SRC DST DEGREES_CW        set the tkhd display matrix of the video track(s)
  mp4-keyframes SRC                    print 0-based indices of sync samples (stss) of the video track
"""
import argparse
import random
import struct
import sys
import zlib


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


# --------------------------------------------------------------------------- generic

def cmd_head(a):
    data = read(a.src)
    write(a.dst, data[: len(data) * a.percent // 100])


def cmd_random(a):
    prefix = bytes.fromhex(a.prefix) if a.prefix else b""
    n = a.n - len(prefix)
    if n < 0:
        sys.exit("prefix longer than N")
    # Same construction as random.randbytes (3.9+), spelled out so it is stable.
    body = random.Random(a.seed).getrandbits(8 * n).to_bytes(n, "little") if n else b""
    write(a.dst, prefix + body)


# --------------------------------------------------------------------------- PNG

def png_chunk(ctype, payload):
    return (struct.pack(">I", len(payload)) + ctype + payload
            + struct.pack(">I", zlib.crc32(ctype + payload) & 0xFFFFFFFF))


def cmd_png_huge(a):
    ihdr = struct.pack(">IIBBBBB", a.width, a.height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    # A tiny, valid zlib stream = zlib.compress(b"\0" * 16, 9): filter byte 0 + 5 black
    # pixels of row 0. Hard-coded so the file does not depend on the local zlib build.
    idat = bytes.fromhex("78da636040050000100001")
    assert zlib.decompress(idat) == b"\0" * 16
    data = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))
    write(a.dst, data)


# --------------------------------------------------------------------------- ICC

def s15f16(x):
    return struct.pack(">i", round(x * 65536))


def cmd_icc_profile(a):
    """ICC.1:2001-04 (v2.1) header and tag table; tags: desc, cprt, wtpt, r/g/bXYZ, r/g/bTRC."""
    def xyz(x, y, z):
        return b"XYZ " + b"\0" * 4 + s15f16(x) + s15f16(y) + s15f16(z)

    description = b"Glimpse test RGB"
    desc = (b"desc" + b"\0" * 4 + struct.pack(">I", len(description) + 1) + description + b"\0"
            + struct.pack(">II", 0, 0) + struct.pack(">HB", 0, 0) + b"\0" * 67)
    cprt = b"text" + b"\0" * 4 + b"No copyright, use freely\0"
    curve = b"curv" + b"\0" * 4 + struct.pack(">IH", 1, 0x0233)  # gamma 563/256 = 2.2
    tags = [
        (b"desc", desc), (b"cprt", cprt), (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.4361, 0.2225, 0.0139)), (b"gXYZ", xyz(0.3851, 0.7169, 0.0971)),
        (b"bXYZ", xyz(0.1431, 0.0606, 0.7141)),
        (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    size = offset + len(body)
    header = (struct.pack(">I", size) + b"\0" * 4 + struct.pack(">I", 0x02100000)
              + b"mntr" + b"RGB " + b"XYZ "
              + struct.pack(">6H", 2026, 1, 1, 0, 0, 0)                # creation date, fixed
              + b"acsp" + b"\0" * 4 + struct.pack(">I", 0) + b"\0" * 8 + b"\0" * 8
              + struct.pack(">I", 0)                                    # perceptual intent
              + s15f16(0.9642) + s15f16(1.0) + s15f16(0.8249)          # PCS illuminant D50
              + b"\0" * 4 + b"\0" * 16 + b"\0" * 28)
    assert len(header) == 128, len(header)
    write(a.dst, header + struct.pack(">I", len(tags)) + table + body)


def cmd_png_iccp(a):
    data = read(a.src)
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        sys.exit("not a PNG starting with IHDR")
    (ihdr_length,) = struct.unpack(">I", data[8:12])
    end = 8 + 12 + ihdr_length
    # Level 0 (stored blocks): the bytes do not depend on the local zlib's deflate.
    payload = a.name.encode("latin-1") + b"\0\0" + zlib.compress(read(a.icc), 0)
    write(a.dst, data[:end] + png_chunk(b"iCCP", payload) + data[end:])


# --------------------------------------------------------------------------- JPEG

def jpeg_segments(data):
    """Yield (marker, offset_of_FF, segment_length_field) for header segments up to SOS."""
    if data[:2] != b"\xff\xd8":
        sys.exit("not a JPEG (no SOI)")
    i = 2
    while i < len(data):
        if data[i] != 0xFF:
            sys.exit("JPEG marker expected at offset %d" % i)
        while data[i] == 0xFF:  # fill bytes
            i += 1
        marker = data[i]
        start = i - 1
        i += 1
        if marker in (0x01,) or 0xD0 <= marker <= 0xD7:
            yield marker, start, 0
            continue
        (length,) = struct.unpack(">H", data[i:i + 2])
        yield marker, start, length
        if marker == 0xDA:  # SOS: entropy-coded data follows
            return
        i += length


def cmd_jpeg_exif(a):
    data = read(a.src)
    if data[:2] != b"\xff\xd8":
        sys.exit("not a JPEG")
    e = "<" if a.order == "II" else ">"
    tiff = (a.order.encode() + struct.pack(e + "HI", 42, 8)   # TIFF header, IFD0 at offset 8
            + struct.pack(e + "H", 1)                          # one IFD entry
            + struct.pack(e + "HHI", 0x0112, 3, 1)             # Orientation, SHORT, count 1
            + struct.pack(e + "HH", a.orientation, 0)          # value left-justified in 4 bytes
            + struct.pack(e + "I", 0))                         # no next IFD
    payload = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    write(a.dst, data[:2] + app1 + data[2:])


def cmd_jpeg_sof(a):
    data = bytearray(read(a.src))
    for marker, off, _length in jpeg_segments(bytes(data)):
        if marker == 0xC0:
            p = off + 4  # FF C0 Lh Ll | P Y(2) X(2) Nf ...
            if a.precision is not None:
                data[p] = a.precision
            if a.height is not None:
                data[p + 1:p + 3] = struct.pack(">H", a.height)
            if a.width is not None:
                data[p + 3:p + 5] = struct.pack(">H", a.width)
            write(a.dst, bytes(data))
            return
    sys.exit("no SOF0 segment found")


# --------------------------------------------------------------------------- PPM

def cmd_ppm_to_rgb(a):
    data = read(a.src)
    fields, i = [], 0
    while len(fields) < 4:
        while data[i:i + 1].isspace():
            i += 1
        if data[i:i + 1] == b"#":
            while data[i:i + 1] not in (b"\n", b""):
                i += 1
            continue
        j = i
        while not data[j:j + 1].isspace():
            j += 1
        fields.append(data[i:j])
        i = j
    i += 1  # single whitespace after maxval
    magic, w, h, maxval = fields[0], int(fields[1]), int(fields[2]), int(fields[3])
    if magic != b"P6" or maxval != 255:
        sys.exit("need a P6 PPM with maxval 255")
    pixels = data[i:i + w * h * 3]
    if len(pixels) != w * h * 3:
        sys.exit("short PPM")
    write(a.dst, pixels)


# --------------------------------------------------------------------------- MP4

def mp4_boxes(data, start, end):
    i = start
    while i + 8 <= end:
        size, btype = struct.unpack(">I4s", data[i:i + 8])
        hdr = 8
        if size == 1:
            (size,) = struct.unpack(">Q", data[i + 8:i + 16])
            hdr = 16
        elif size == 0:
            size = end - i
        if size < hdr or i + size > end:
            sys.exit("bad MP4 box at %d" % i)
        yield btype, i, i + hdr, i + size
        i += size


def mp4_find(data, start, end, path):
    """All (payload_start, box_end) for a box path like [b'moov', b'trak']."""
    out = []
    for btype, _s, p, e in mp4_boxes(data, start, end):
        if btype != path[0]:
            continue
        if len(path) == 1:
            out.append((p, e))
        else:
            out.extend(mp4_find(data, p, e, path[1:]))
    return out


def video_traks(data):
    for p, e in mp4_find(data, 0, len(data), [b"moov", b"trak"]):
        hdlrs = mp4_find(data, p, e, [b"mdia", b"hdlr"])
        if hdlrs and data[hdlrs[0][0] + 8:hdlrs[0][0] + 12] == b"vide":
            yield p, e


def cmd_mp4_rotate(a):
    data = bytearray(read(a.src))
    one = 0x10000
    cos_sin = {0: (1, 0), 90: (0, 1), 180: (-1, 0), 270: (0, -1)}
    if a.degrees % 360 not in cos_sin:
        sys.exit("DEGREES_CW must be a multiple of 90")
    c, s = cos_sin[a.degrees % 360]
    # QuickTime matrix {a b u; c d v; x y w} with (x', y') = (a x + c y, b x + d y):
    # a clockwise display rotation by theta is a=cos, b=sin, c=-sin, d=cos.
    matrix = struct.pack(">9i", c * one, s * one, 0, -s * one, c * one, 0, 0, 0, 0x40000000)
    patched = 0
    for p, e in video_traks(bytes(data)):
        for tp, _te in mp4_find(bytes(data), p, e, [b"tkhd"]):
            version = data[tp]
            # version/flags(4) + times/track_id/reserved/duration + reserved(8) + layer,
            # alternate_group, volume, reserved (8) -> matrix
            moff = tp + 4 + (32 if version == 1 else 20) + 8 + 8
            data[moff:moff + 36] = matrix
            patched += 1
    if not patched:
        sys.exit("no video tkhd found")
    write(a.dst, bytes(data))


def cmd_mp4_keyframes(a):
    data = read(a.src)
    for p, e in video_traks(data):
        stss = mp4_find(data, p, e, [b"mdia", b"minf", b"stbl", b"stss"])
        if not stss:
            print("all")
            return
        sp = stss[0][0]
        (n,) = struct.unpack(">I", data[sp + 4:sp + 8])
        idx = struct.unpack(">%dI" % n, data[sp + 8:sp + 8 + 4 * n])
        print(" ".join(str(x - 1) for x in idx))
        return
    sys.exit("no video track")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("head"); s.add_argument("src"); s.add_argument("dst"); s.add_argument("percent", type=int)
    s.set_defaults(fn=cmd_head)
    s = sub.add_parser("random"); s.add_argument("dst"); s.add_argument("n", type=int); s.add_argument("seed", type=int)
    s.add_argument("prefix", nargs="?"); s.set_defaults(fn=cmd_random)
    s = sub.add_parser("png-huge"); s.add_argument("dst"); s.add_argument("width", type=int); s.add_argument("height", type=int)
    s.set_defaults(fn=cmd_png_huge)
    s = sub.add_parser("icc-profile"); s.add_argument("dst"); s.set_defaults(fn=cmd_icc_profile)
    s = sub.add_parser("png-iccp"); s.add_argument("src"); s.add_argument("dst"); s.add_argument("icc")
    s.add_argument("name"); s.set_defaults(fn=cmd_png_iccp)
    s = sub.add_parser("jpeg-exif"); s.add_argument("src"); s.add_argument("dst"); s.add_argument("orientation", type=int)
    s.add_argument("order", choices=["II", "MM"]); s.set_defaults(fn=cmd_jpeg_exif)
    s = sub.add_parser("jpeg-sof"); s.add_argument("src"); s.add_argument("dst")
    s.add_argument("--precision", type=int); s.add_argument("--height", type=int); s.add_argument("--width", type=int)
    s.set_defaults(fn=cmd_jpeg_sof)
    s = sub.add_parser("ppm-to-rgb"); s.add_argument("src"); s.add_argument("dst"); s.set_defaults(fn=cmd_ppm_to_rgb)
    s = sub.add_parser("mp4-rotate"); s.add_argument("src"); s.add_argument("dst"); s.add_argument("degrees", type=int)
    s.set_defaults(fn=cmd_mp4_rotate)
    s = sub.add_parser("mp4-keyframes"); s.add_argument("src"); s.set_defaults(fn=cmd_mp4_keyframes)

    a = ap.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
