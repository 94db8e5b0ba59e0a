// Reading the EXIF orientation tag (0x0112) from a JPEG's APP1 segment.
// Reference: EXIF 2.32 §4.5.4 (TIFF structure inside APP1); segments found by JPEGMarkers.

extension Orientation {
    /// The orientation recorded in a JPEG's EXIF data, or nil when there is none or it is
    /// malformed (a broken EXIF block never fails the decode: the pixels are still valid).
    init?(exifOfJPEG jpeg: [UInt8]) {
        guard let tiff = Self.exifPayload(of: jpeg), let value = Self.orientationTag(in: tiff)
        else { return nil }
        self.init(rawValue: value)
    }

    /// The TIFF bytes after "Exif\0\0" in the first APP1 segment before the scan data.
    private static func exifPayload(of jpeg: [UInt8]) -> ArraySlice<UInt8>? {
        let exif: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0, 0]
        return JPEGMarkers.payloads(of: jpeg, marker: 0xE1, identifier: exif).first?
            .dropFirst(exif.count)
    }

    private static func orientationTag(in tiff: ArraySlice<UInt8>) -> Int? {
        let bytes = Array(tiff)
        guard bytes.count >= 8 else { return nil }
        let little: Bool
        switch (bytes[0], bytes[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= bytes.count else { return nil }
            return little
                ? Int(bytes[at]) | Int(bytes[at + 1]) << 8
                : Int(bytes[at]) << 8 | Int(bytes[at + 1])
        }
        func u32(_ at: Int) -> Int? {
            guard let a = u16(at), let b = u16(at + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard let ifd = u32(4), let count = u16(ifd) else { return nil }
        for entry in 0..<count {
            let at = ifd + 2 + entry * 12
            guard let tag = u16(at) else { return nil }
            if tag == 0x0112 {
                guard u16(at + 2) == 3 else { return nil }  // type SHORT
                return u16(at + 8)
            }
        }
        return nil
    }
}
