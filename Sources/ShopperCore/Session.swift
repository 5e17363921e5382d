/// One shopping session, typed and validated: a silver row.
///
/// `revenue` is nil in an unlabelled batch. Values are exactly what the file said after
/// normalisation (see `docs/cleaning.md`); derived business features live in `GoldFeatures`.
package struct Session: Sendable, Hashable, Codable {
    package var administrative: Int
    package var administrativeDuration: Double
    package var informational: Int
    package var informationalDuration: Double
    package var productRelated: Int
    package var productRelatedDuration: Double
    package var bounceRates: Double
    package var exitRates: Double
    package var pageValues: Double
    package var specialDay: Double
    package var month: Month
    package var operatingSystems: Int
    package var browser: Int
    package var region: Int
    package var trafficType: Int
    package var visitorType: VisitorType
    package var weekend: Bool
    package var revenue: Bool?

    /// The largest page count, and (as `largestQuantity`) the largest duration or PageValues, a
    /// batch may hold: 10^12. No real session comes near (the bundled maxima are 705 pages,
    /// 63,973 s and a PageValues of 361), so a larger value is an export or unit error; and values
    /// near the limits of Int or Double would overflow the gold features (`TotalPages` traps,
    /// `TotalDuration` and `PageValue_ExitRate_Ratio` become infinite). Below the limit every count
    /// is exact as a Double and is written back by `CSVWriter.number` as plain digits.
    package static let largestCount = 1_000_000_000_000
    /// `largestCount` as a Double, for durations and PageValues.
    package static let largestQuantity = Double(largestCount)

    package init(
        administrative: Int, administrativeDuration: Double,
        informational: Int, informationalDuration: Double,
        productRelated: Int, productRelatedDuration: Double,
        bounceRates: Double, exitRates: Double, pageValues: Double, specialDay: Double,
        month: Month, operatingSystems: Int, browser: Int, region: Int, trafficType: Int,
        visitorType: VisitorType, weekend: Bool, revenue: Bool?
    ) {
        self.administrative = administrative
        self.administrativeDuration = administrativeDuration
        self.informational = informational
        self.informationalDuration = informationalDuration
        self.productRelated = productRelated
        self.productRelatedDuration = productRelatedDuration
        self.bounceRates = bounceRates
        self.exitRates = exitRates
        self.pageValues = pageValues
        self.specialDay = specialDay
        self.month = month
        self.operatingSystems = operatingSystems
        self.browser = browser
        self.region = region
        self.trafficType = trafficType
        self.visitorType = visitorType
        self.weekend = weekend
        self.revenue = revenue
    }

    /// The numeric value a model or a KS test reads for an input column.
    ///
    /// Categorical columns get stable codes: Month its number (1–12), VisitorType
    /// `VisitorType.code`, Weekend 0/1, the integer-coded columns their code. The label maps to
    /// 0/1 (NaN when absent).
    package func numericValue(_ column: Column) -> Double {
        switch column {
        case .administrative: Double(administrative)
        case .administrativeDuration: administrativeDuration
        case .informational: Double(informational)
        case .informationalDuration: informationalDuration
        case .productRelated: Double(productRelated)
        case .productRelatedDuration: productRelatedDuration
        case .bounceRates: bounceRates
        case .exitRates: exitRates
        case .pageValues: pageValues
        case .specialDay: specialDay
        case .month: Double(month.rawValue)
        case .operatingSystems: Double(operatingSystems)
        case .browser: Double(browser)
        case .region: Double(region)
        case .trafficType: Double(trafficType)
        case .visitorType: visitorType.code
        case .weekend: weekend ? 1 : 0
        case .revenue: revenue.map { $0 ? 1 : 0 } ?? .nan
        }
    }

    /// The category label a chi-square test counts for a categorical column (`Nov`,
    /// `Returning_Visitor`, `TRUE`, `2`…), and the normalised text of a numeric one.
    package func categoryLabel(_ column: Column) -> String {
        switch column {
        case .month: month.name
        case .visitorType: visitorType.rawValue
        case .weekend: weekend ? "TRUE" : "FALSE"
        case .revenue: revenue.map { $0 ? "TRUE" : "FALSE" } ?? ""
        case .operatingSystems: String(operatingSystems)
        case .browser: String(browser)
        case .region: String(region)
        case .trafficType: String(trafficType)
        case .administrative: String(administrative)
        case .informational: String(informational)
        case .productRelated: String(productRelated)
        case .administrativeDuration, .informationalDuration, .productRelatedDuration,
            .bounceRates, .exitRates, .pageValues, .specialDay:
            String(numericValue(column))
        }
    }
}
