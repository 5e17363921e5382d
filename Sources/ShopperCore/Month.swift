/// A calendar month. The UCI data spells months with three letters except `June`; we accept
/// three-letter and full names in any case and normalise to the three-letter form.
package enum Month: Int, CaseIterable, Sendable, Codable, Hashable, Comparable {
    case jan = 1, feb, mar, apr, may, jun, jul, aug, sep, oct, nov, dec

    /// The normalised spelling stored in silver: `Jan`, `Feb`, … `Dec`.
    package var name: String {
        Month.shortNames[rawValue - 1]
    }

    /// Parses `Jan`/`January`/`JUNE`/`june`/`Sept`… Returns nil for anything else.
    package init?(parsing text: some StringProtocol) {
        let lower = text.lowercased()
        if let index = Month.shortNames.firstIndex(where: { $0.lowercased() == lower })
            ?? Month.fullNames.firstIndex(where: { $0.lowercased() == lower })
        {
            self.init(rawValue: index + 1)
        } else if lower == "sept" {
            self = .sep
        } else {
            return nil
        }
    }

    package static func < (lhs: Month, rhs: Month) -> Bool { lhs.rawValue < rhs.rawValue }

    static let shortNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    static let fullNames = [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ]
}
