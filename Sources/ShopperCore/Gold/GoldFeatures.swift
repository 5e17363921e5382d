/// The gold layer: business features derived from one session.
///
/// The first five are the reference design's; the last three are ours, each kept because the
/// bundled data shows it separates buyers (purchase rate in brackets, bundled file, 15.5 % overall):
/// - `HasPageValue`: PageValues > 0 (56.3 % vs 3.9 %). A tree finds this split too, but a drift test
///   on the share of sessions reaching a valued page is far more readable than a KS on PageValues.
/// - `AvgSecondsPerPage`: TotalDuration / TotalPages; lowest quintile 4.3 %, the others 13–22 %:
///   skimming visitors rarely buy, and neither raw duration nor page count says it alone.
/// - `IsNearSpecialDay`: SpecialDay > 0 (6.2 % vs 16.5 %): sessions just before a holiday browse.
///
/// All values are finite for every valid session (see `docs/cleaning.md` for the formulas).
package struct GoldFeatures: Sendable, Hashable, Codable {
    /// VisitorType is Returning_Visitor.
    package var isReturningVisitor: Bool
    /// PageValues / max(ExitRates, `exitRateFloor`): value seen per unit of exit propensity.
    package var pageValueExitRateRatio: Double
    /// The session's month is one of the configured peak months (Nov and Dec by default).
    package var isPeakShoppingSeason: Bool
    /// Administrative + Informational + ProductRelated durations, in seconds.
    package var totalDuration: Double
    /// Administrative + Informational + ProductRelated page counts.
    package var totalPages: Int
    /// PageValues > 0.
    package var hasPageValue: Bool
    /// TotalDuration / TotalPages, 0 when no page was seen.
    package var averageSecondsPerPage: Double
    /// SpecialDay > 0.
    package var isNearSpecialDay: Bool

    /// What gold derivation depends on beyond the session itself.
    package struct Configuration: Sendable, Hashable, Codable {
        /// The months counted as peak shopping season.
        package var peakMonths: Set<Month>

        package init(peakMonths: Set<Month> = [.nov, .dec]) {
            self.peakMonths = peakMonths
        }

        /// November and December.
        package static let standard = Configuration()
    }

    /// The divisor used instead of an ExitRates of 0 (or below it). Below the smallest positive exit
    /// rate in the bundled data (0.000176), so every observed positive rate divides as is; a session
    /// with no exits thus gets the largest ratio its PageValues allows (PageValues × 10,000), keeping
    /// the feature finite and monotone (fewer exits, higher ratio). With PageValues 0 the ratio is 0.
    package static let exitRateFloor = 1e-4

    /// Features as stored (the store reads gold back without recomputing it).
    package init(
        isReturningVisitor: Bool, pageValueExitRateRatio: Double, isPeakShoppingSeason: Bool, totalDuration: Double,
        totalPages: Int, hasPageValue: Bool, averageSecondsPerPage: Double, isNearSpecialDay: Bool
    ) {
        self.isReturningVisitor = isReturningVisitor
        self.pageValueExitRateRatio = pageValueExitRateRatio
        self.isPeakShoppingSeason = isPeakShoppingSeason
        self.totalDuration = totalDuration
        self.totalPages = totalPages
        self.hasPageValue = hasPageValue
        self.averageSecondsPerPage = averageSecondsPerPage
        self.isNearSpecialDay = isNearSpecialDay
    }

    /// Derives the features of `session`.
    package init(session: Session, configuration: Configuration = .standard) {
        isReturningVisitor = session.visitorType == .returning
        pageValueExitRateRatio = session.pageValues / max(session.exitRates, GoldFeatures.exitRateFloor)
        isPeakShoppingSeason = configuration.peakMonths.contains(session.month)
        totalDuration = session.administrativeDuration + session.informationalDuration + session.productRelatedDuration
        totalPages = session.administrative + session.informational + session.productRelated
        hasPageValue = session.pageValues > 0
        averageSecondsPerPage = totalPages > 0 ? totalDuration / Double(totalPages) : 0
        isNearSpecialDay = session.specialDay > 0
    }

    /// The features by name, in a fixed order (the gold table's columns and `values`' order).
    package enum Feature: String, CaseIterable, Sendable, Codable, Hashable {
        case isReturningVisitor = "IsReturningVisitor"
        case pageValueExitRateRatio = "PageValue_ExitRate_Ratio"
        case isPeakShoppingSeason = "is_peak_shopping_season"
        case totalDuration = "TotalDuration"
        case totalPages = "TotalPages"
        case hasPageValue = "HasPageValue"
        case averageSecondsPerPage = "AvgSecondsPerPage"
        case isNearSpecialDay = "IsNearSpecialDay"

        /// Flags (0/1) are categories for drift tests; the rest are quantities.
        package var isCategorical: Bool {
            switch self {
            case .isReturningVisitor, .isPeakShoppingSeason, .hasPageValue, .isNearSpecialDay: true
            case .pageValueExitRateRatio, .totalDuration, .totalPages, .averageSecondsPerPage: false
            }
        }
    }

    /// The feature names, in `Feature` order.
    package static let names: [String] = Feature.allCases.map(\.rawValue)

    /// A feature as a number (flags are 0 or 1).
    package func value(_ feature: Feature) -> Double {
        switch feature {
        case .isReturningVisitor: isReturningVisitor ? 1 : 0
        case .pageValueExitRateRatio: pageValueExitRateRatio
        case .isPeakShoppingSeason: isPeakShoppingSeason ? 1 : 0
        case .totalDuration: totalDuration
        case .totalPages: Double(totalPages)
        case .hasPageValue: hasPageValue ? 1 : 0
        case .averageSecondsPerPage: averageSecondsPerPage
        case .isNearSpecialDay: isNearSpecialDay ? 1 : 0
        }
    }

    /// A feature by its name, or nil for an unknown name.
    package func value(named name: String) -> Double? {
        Feature(rawValue: name).map(value)
    }

    /// Every feature's value, in `names` order.
    package var values: [Double] { Feature.allCases.map(value) }
}
