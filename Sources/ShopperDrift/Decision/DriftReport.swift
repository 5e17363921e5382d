import ShopperCore

/// Numeric features are compared as distributions of values (KS), categorical ones as
/// distributions over categories (chi-square).
package enum FeatureKind: String, Sendable, Codable {
    case numeric, categorical
}

/// The test a feature got.
package enum DriftTest: String, Sendable, Codable {
    case ks, chi2
}

/// How big a shift is, independent of sample size.
package enum EffectMeasure: String, Sendable, Codable {
    /// The KS statistic D: the largest gap between the two ECDFs.
    case ksD = "ks_d"
    /// Total variation distance ½ Σ |p_ref − p_cur| between the category distributions.
    case totalVariation = "total_variation"
}

/// One feature's verdict.
package struct ColumnDrift: Sendable, Codable, Equatable {
    package var column: Column
    package var kind: FeatureKind
    package var test: DriftTest
    /// KS D, or Pearson's chi-square statistic of the table actually tested (after pooling).
    package var statistic: Double
    package var pValue: Double
    package var pAdjusted: Double
    package var effectSize: Double
    package var effectMeasure: EffectMeasure
    /// `p_adjusted < α` and, when a floor is set, `effect_size ≥ min_effect`.
    package var drifted: Bool
    /// KS only: `exact` or `asymp`.
    package var method: KSMethod?
    /// KS only: the value where the two ECDFs are furthest apart (scipy's `statistic_location`).
    package var statisticLocation: Double?
    /// Chi-square only: degrees of freedom of the table tested.
    package var degreesOfFreedom: Int?
    /// Chi-square only: categories merged into one cell because their expected counts were small.
    package var pooledCategories: [String]?
    /// Chi-square only: categories present in the batch but never seen in the reference.
    package var unseenCategories: [String]?
    /// A calendar column (Month, SpecialDay): tested and reported, adjusted among the calendar
    /// columns only, never deciding `critical_drift`.
    package var calendar = false

    enum CodingKeys: String, CodingKey {
        case column, kind, test, statistic, method, drifted
        case pValue = "p_value"
        case pAdjusted = "p_adjusted"
        case effectSize = "effect_size"
        case effectMeasure = "effect_measure"
        case statisticLocation = "statistic_location"
        case degreesOfFreedom = "dof"
        case pooledCategories = "pooled_categories"
        case unseenCategories = "unseen_categories"
        case calendar
    }
}

extension ColumnDrift {
    /// Reads reports written before `calendar` existed (false: every column decided then).
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        column = try container.decode(Column.self, forKey: .column)
        kind = try container.decode(FeatureKind.self, forKey: .kind)
        test = try container.decode(DriftTest.self, forKey: .test)
        statistic = try container.decode(Double.self, forKey: .statistic)
        pValue = try container.decode(Double.self, forKey: .pValue)
        pAdjusted = try container.decode(Double.self, forKey: .pAdjusted)
        effectSize = try container.decode(Double.self, forKey: .effectSize)
        effectMeasure = try container.decode(EffectMeasure.self, forKey: .effectMeasure)
        drifted = try container.decode(Bool.self, forKey: .drifted)
        method = try container.decodeIfPresent(KSMethod.self, forKey: .method)
        statisticLocation = try container.decodeIfPresent(Double.self, forKey: .statisticLocation)
        degreesOfFreedom = try container.decodeIfPresent(Int.self, forKey: .degreesOfFreedom)
        pooledCategories = try container.decodeIfPresent([String].self, forKey: .pooledCategories)
        unseenCategories = try container.decodeIfPresent([String].self, forKey: .unseenCategories)
        calendar = try container.decodeIfPresent(Bool.self, forKey: .calendar) ?? false
    }
}

/// The answer to "does this batch still look like the training data?".
package struct DriftReport: Sendable, Codable, Equatable {
    /// True when at least one behavioural (non-calendar) feature drifted: retrain.
    package var criticalDrift: Bool
    /// The rule in words, so a log line or a report is self-explanatory.
    package var rule: String
    /// When `criticalDrift`: the behavioural features that drifted (they decided), most
    /// significant first, then the calendar features that drifted (context, not cause). Empty
    /// otherwise — a calendar shift alone is no drift.
    package var drivers: [Column]
    package var alpha: Double
    package var correction: MultipleTestingCorrection
    @ExplicitNull package var minEffect: Double?
    /// All rows of the reference (the model's training rows).
    package var referenceRows: Int
    package var currentRows: Int
    /// One entry per feature, in published column order.
    package var columns: [ColumnDrift]
    /// How the compared reference rows were chosen from the batch's calendar.
    package var calendarMatch: CalendarMatchLevel = .none
    /// The months of the compared reference rows (empty: the whole reference).
    @MonthNames package var monthsMatched: [Month] = []
    /// The reference rows the batch was actually compared with (`referenceRows` unless matched).
    package var referenceRowsCompared: Int = 0
    /// The batch's months of which the reference has no row at all. When they hold at least half
    /// of the batch (``DriftDetector/unseenSeasonShare``), the batch is outside the model's
    /// experience and Month's own test may decide (see `rule`).
    @MonthNames package var unseenMonths: [Month] = []

    enum CodingKeys: String, CodingKey {
        case rule, drivers, alpha, correction, columns
        case criticalDrift = "critical_drift"
        case minEffect = "min_effect"
        case referenceRows = "reference_rows"
        case currentRows = "current_rows"
        case calendarMatch = "calendar_match"
        case monthsMatched = "months_matched"
        case referenceRowsCompared = "reference_rows_compared"
        case unseenMonths = "unseen_months"
    }

    init(criticalDrift: Bool, rule: String, drivers: [Column], alpha: Double, correction: MultipleTestingCorrection,
         minEffect: Double?, referenceRows: Int, currentRows: Int, columns: [ColumnDrift],
         calendarMatch: CalendarMatchLevel, monthsMatched: [Month], referenceRowsCompared: Int, unseenMonths: [Month] = []) {
        self.criticalDrift = criticalDrift
        self.rule = rule
        self.drivers = drivers
        self.alpha = alpha
        self.correction = correction
        self.minEffect = minEffect
        self.referenceRows = referenceRows
        self.currentRows = currentRows
        self.columns = columns
        self.calendarMatch = calendarMatch
        self.monthsMatched = monthsMatched
        self.referenceRowsCompared = referenceRowsCompared
        self.unseenMonths = unseenMonths
    }

    /// Reads reports written before the calendar keys existed (whole reference, nothing matched).
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        criticalDrift = try container.decode(Bool.self, forKey: .criticalDrift)
        rule = try container.decode(String.self, forKey: .rule)
        drivers = try container.decode([Column].self, forKey: .drivers)
        alpha = try container.decode(Double.self, forKey: .alpha)
        correction = try container.decode(MultipleTestingCorrection.self, forKey: .correction)
        minEffect = try container.decodeIfPresent(Double.self, forKey: .minEffect)
        referenceRows = try container.decode(Int.self, forKey: .referenceRows)
        currentRows = try container.decode(Int.self, forKey: .currentRows)
        columns = try container.decode([ColumnDrift].self, forKey: .columns)
        calendarMatch = try container.decodeIfPresent(CalendarMatchLevel.self, forKey: .calendarMatch) ?? .none
        _monthsMatched = try container.decode(MonthNames.self, forKey: .monthsMatched)
        referenceRowsCompared = try container.decodeIfPresent(Int.self, forKey: .referenceRowsCompared) ?? referenceRows
        _unseenMonths = try container.decode(MonthNames.self, forKey: .unseenMonths)
    }

    /// Drifted behavioural features first, then drifted calendar features (smallest adjusted p
    /// first within each), then the rest by adjusted p — the order of `drivers`.
    package var columnsByConcern: [ColumnDrift] {
        func rank(_ column: ColumnDrift) -> Int { column.drifted ? (column.calendar ? 1 : 0) : 2 }
        return columns.sorted { lhs, rhs in
            if rank(lhs) != rank(rhs) { return rank(lhs) < rank(rhs) }
            if lhs.pAdjusted != rhs.pAdjusted { return lhs.pAdjusted < rhs.pAdjusted }
            return lhs.effectSize > rhs.effectSize
        }
    }
}
