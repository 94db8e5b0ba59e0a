// The attribute vocabulary of synthetic scenes: what an object can be, in words and pixels.

/// An object's outline.
public enum ShapeKind: String, Codable, Sendable, CaseIterable {
    case circle
    case square
    case triangle
    case diamond
}

/// An object's fill colour, with its sRGB value.
public enum ObjectColor: String, Codable, Sendable, CaseIterable {
    case red
    case green
    case blue
    case yellow
    case purple
    case white

    /// The sRGB fill.
    public var rgb: [UInt8] {
        switch self {
        case .red: [220, 40, 40]
        case .green: [40, 180, 60]
        case .blue: [40, 80, 220]
        case .yellow: [235, 215, 40]
        case .purple: [150, 60, 190]
        case .white: [245, 245, 245]
        }
    }
}

/// An object's size class.
public enum SizeClass: String, Codable, Sendable, CaseIterable {
    case small
    case large
}
