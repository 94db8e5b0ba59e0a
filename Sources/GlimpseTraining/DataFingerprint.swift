// What a training run was trained on, in a few bytes: saved with every checkpoint so that
// `--resume` on different data (another dataset, an edited caption file, a new text) is noticed
// and named instead of silently mixing two runs (`--allow-data-change` says it is meant).
import Foundation

/// The count and a 64-bit FNV-1a hash of a run's training items, in order.
public struct DataFingerprint: Codable, Equatable, Sendable, CustomStringConvertible {
    /// How many items (examples, characters …) were hashed.
    public var count: Int
    /// FNV-1a 64 of the items, each followed by a 0 byte, as 16 hexadecimal digits.
    public var hash: String

    /// The fingerprint of `items` (an image's name and captions, say), order included.
    public init<Items: Sequence>(_ items: Items) where Items.Element == String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        var count = 0
        for item in items {
            for byte in item.utf8 + [0] {
                value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            }
            count += 1
        }
        self.count = count
        self.hash = String(format: "%016llx", value)
    }

    /// The fingerprint of raw bytes (a text file), counted in bytes.
    public init(bytes: [UInt8]) {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        count = bytes.count
        hash = String(format: "%016llx", value)
    }

    public var description: String { "\(count) items, hash \(hash)" }

    /// Throws ``TrainingError/dataChanged(checkpoint:saved:current:)`` when `saved` (from the
    /// checkpoint, nil for checkpoints made before fingerprints) differs from `self`, unless
    /// `allowed`.
    public func check(against saved: DataFingerprint?, checkpoint: String, allowed: Bool) throws {
        guard let saved, saved != self, !allowed else { return }
        throw TrainingError.dataChanged(checkpoint: checkpoint, saved: saved, current: self)
    }
}
