// Walking a JPEG's header segments (APPn, DQT, SOF…) up to the start of scan, for the metadata
// TurboJPEG 2.1 does not expose: EXIF orientation (APP1) and the ICC profile (APP2).
// Reference: ITU T.81 Annex B.1 (marker segments); ICC.1:2010 Annex B.4 (embedding in JPEG).

enum JPEGMarkers {
    /// The payloads (bytes after the two length bytes) of the header segments with `marker`
    /// whose payload starts with `identifier`, in file order, up to SOS. A malformed segment
    /// (length past the end of the data, no marker where one must be) ends the walk: what was
    /// found before it is returned, as metadata never fails a decode.
    static func payloads(
        of jpeg: [UInt8], marker wanted: UInt8, identifier: [UInt8]
    ) -> [ArraySlice<UInt8>] {
        guard jpeg.count >= 2, jpeg[0] == 0xFF, jpeg[1] == 0xD8 else { return [] }
        var found: [ArraySlice<UInt8>] = []
        var i = 2  // after SOI
        while i + 1 < jpeg.count, jpeg[i] == 0xFF {
            // Any number of 0xFF fill bytes may precede a marker (T.81 B.1.1.2).
            var m = i + 1
            while m < jpeg.count, jpeg[m] == 0xFF { m += 1 }
            guard m < jpeg.count else { break }
            let marker = jpeg[m]
            if marker == 0xDA || marker == 0xD9 { break }  // start of scan, end of image
            // TEM and RSTn stand alone, without a length.
            if marker == 0x01 || (0xD0...0xD7).contains(marker) {
                i = m + 1
                continue
            }
            guard m + 2 < jpeg.count else { break }
            let length = Int(jpeg[m + 1]) << 8 | Int(jpeg[m + 2])
            let start = m + 3
            let end = m + 1 + length
            guard length >= 2, end <= jpeg.count else { break }
            if marker == wanted, end - start >= identifier.count,
                jpeg[start..<start + identifier.count].elementsEqual(identifier)
            {
                found.append(jpeg[start..<end])
            }
            i = end
        }
        return found
    }

    /// `ICC_PROFILE\0`, the identifier of the APP2 segments that carry an ICC profile.
    static let iccIdentifier: [UInt8] = Array("ICC_PROFILE".utf8) + [0]

    /// The size in bytes of the ICC profile embedded in APP2 segments (the chunks' payloads
    /// after the identifier, sequence number and count), or nil when there is none. Only the
    /// presence and size are read; the profile is not parsed.
    static func iccProfileLength(of jpeg: [UInt8]) -> Int? {
        let chunks = payloads(of: jpeg, marker: 0xE2, identifier: iccIdentifier)
        // Each chunk: identifier (12), sequence number (1), chunk count (1), profile bytes.
        let header = iccIdentifier.count + 2
        let total = chunks.reduce(0) { $0 + Swift.max($1.count - header, 0) }
        return chunks.isEmpty ? nil : total
    }
}
