/// Who the visitor is, as the UCI data codes it.
package enum VisitorType: String, CaseIterable, Sendable, Codable, Hashable {
    case returning = "Returning_Visitor"
    case new = "New_Visitor"
    case other = "Other"

    /// The numeric code models read: a stable, documented order (New 0, Other 1, Returning 2).
    package var code: Double {
        switch self {
        case .new: 0
        case .other: 1
        case .returning: 2
        }
    }

    /// Accepts the published spellings in any case.
    package init?(parsing text: some StringProtocol) {
        let lower = text.lowercased()
        guard let match = VisitorType.allCases.first(where: { $0.rawValue.lowercased() == lower }) else { return nil }
        self = match
    }
}
