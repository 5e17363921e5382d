import ShopperStore

/// How an operator names a registered model: by version number, or by an alias (`champion`,
/// `challenger`) resolved when the command runs.
package enum ModelReference: Sendable, Hashable, CustomStringConvertible {
    case version(Int)
    case alias(ModelAlias)

    /// Parses `3`, `champion` or `challenger` (case-insensitive); nil for anything else.
    package init?(parsing text: String) {
        if let alias = ModelAlias(rawValue: text.lowercased()) {
            self = .alias(alias)
        } else if let version = Int(text), version >= 1 {
            self = .version(version)
        } else {
            return nil
        }
    }

    package var description: String {
        switch self {
        case .version(let version): "\(version)"
        case .alias(let alias): alias.rawValue
        }
    }
}
