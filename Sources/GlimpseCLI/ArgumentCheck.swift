// Range checks for numeric options, run from a command's `validate()` so that a value out of
// range is a usage error (exit 64) naming the flag, before any file is read.
import ArgumentParser

enum ArgumentCheck {
    /// `value` must lie in `range`.
    static func require(_ value: Int, in range: ClosedRange<Int>, flag: String)
        throws(ValidationError)
    {
        guard range.contains(value) else {
            throw ValidationError(
                "\(flag) must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
    }

    /// `value` must be a finite number in `range`.
    static func require<Number: BinaryFloatingPoint>(
        _ value: Number, in range: ClosedRange<Number>, flag: String
    ) throws(ValidationError) {
        guard value.isFinite, range.contains(value) else {
            throw ValidationError(
                "\(flag) must be a number in \(range.lowerBound)...\(range.upperBound), got \(value)"
            )
        }
    }

    /// `value` must be a finite number above 0 and at most `maximum`.
    static func requirePositive<Number: BinaryFloatingPoint>(
        _ value: Number, atMost maximum: Number, flag: String
    ) throws(ValidationError) {
        guard value.isFinite, value > 0, value <= maximum else {
            throw ValidationError(
                "\(flag) must be a number above 0 and at most \(maximum), got \(value)")
        }
    }
}
