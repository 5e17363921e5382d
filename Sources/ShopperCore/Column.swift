/// The 18 columns of the UCI *Online Shoppers Purchasing Intention* data, in the published order.
///
/// The raw value is the header name as published. Everything that reads, validates, stores, tests
/// or models a column refers to it through this enum, so a typo is a compile error, not a silent
/// empty feature.
package enum Column: String, CaseIterable, Sendable, Codable, Hashable {
    case administrative = "Administrative"
    case administrativeDuration = "Administrative_Duration"
    case informational = "Informational"
    case informationalDuration = "Informational_Duration"
    case productRelated = "ProductRelated"
    case productRelatedDuration = "ProductRelated_Duration"
    case bounceRates = "BounceRates"
    case exitRates = "ExitRates"
    case pageValues = "PageValues"
    case specialDay = "SpecialDay"
    case month = "Month"
    case operatingSystems = "OperatingSystems"
    case browser = "Browser"
    case region = "Region"
    case trafficType = "TrafficType"
    case visitorType = "VisitorType"
    case weekend = "Weekend"
    case revenue = "Revenue"

    /// The header name as published.
    package var name: String { rawValue }

    /// The value type and the range a cell of this column must have.
    package var kind: ColumnKind {
        switch self {
        case .administrative, .informational, .productRelated: .pageCount
        case .administrativeDuration, .informationalDuration, .productRelatedDuration: .duration
        case .bounceRates, .exitRates, .specialDay: .unitInterval
        case .pageValues: .nonNegative
        case .month: .month
        case .operatingSystems, .browser, .region, .trafficType: .code
        case .visitorType: .visitorType
        case .weekend, .revenue: .boolean
        }
    }

    /// Whether the column holds categories (tested with chi-square) rather than quantities (KS).
    package var isCategorical: Bool {
        switch kind {
        case .month, .code, .visitorType, .boolean: true
        case .pageCount, .duration, .unitInterval, .nonNegative: false
        }
    }

    /// The 17 input features, in published order: every column but the label.
    package static let inputs: [Column] = allCases.filter { $0 != .revenue }

    /// The label column. Optional in a batch: without it the batch is unlabelled.
    package static let label: Column = .revenue

    /// Looks a header name up exactly as published.
    package init?(headerName: String) {
        self.init(rawValue: headerName)
    }
}

/// The type and admissible range of a column's cells.
package enum ColumnKind: String, Sendable, Codable {
    /// A non-negative integer number of pages.
    case pageCount
    /// A non-negative finite number of seconds.
    case duration
    /// A finite number in [0, 1].
    case unitInterval
    /// A non-negative finite number.
    case nonNegative
    /// One of the twelve months, by three-letter or full name, any case.
    case month
    /// A positive integer category code (operating system, browser, region, traffic type).
    case code
    /// `Returning_Visitor`, `New_Visitor` or `Other`.
    case visitorType
    /// `TRUE`/`FALSE`, also `true`/`false`/`1`/`0`.
    case boolean
}
