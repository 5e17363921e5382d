import ShopperCore

/// Numeric features are compared as distributions of values (KS), categorical ones as
/// distributions over categories (chi-square).
public enum FeatureKind: String, Sendable, Codable {
    case numeric, categorical
}

/// The test a feature got.
public enum DriftTest: String, Sendable, Codable {
    case ks, chi2
}

/// How big a shift is, independent of sample size.
public enum EffectMeasure: String, Sendable, Codable {
    /// The KS statistic D: the largest gap between the two ECDFs.
    case ksD = "ks_d"
    /// Total variation distance ½ Σ |p_ref − p_cur| between the category distributions.
    case totalVariation = "total_variation"
}

/// One feature's verdict.
public struct ColumnDrift: Sendable, Codable, Equatable {
    public var column: Column
    public var kind: FeatureKind
    public var test: DriftTest
    /// KS D, or Pearson's chi-square statistic of the table actually tested (after pooling).
    public var statistic: Double
    public var pValue: Double
    public var pAdjusted: Double
    public var effectSize: Double
    public var effectMeasure: EffectMeasure
    /// `p_adjusted < α` and, when a floor is set, `effect_size ≥ min_effect`.
    public var drifted: Bool
    /// KS only: `exact` or `asymp`.
    public var method: KSMethod?
    /// KS only: the value where the two ECDFs are furthest apart (scipy's `statistic_location`).
    public var statisticLocation: Double?
    /// Chi-square only: degrees of freedom of the table tested.
    public var degreesOfFreedom: Int?
    /// Chi-square only: categories merged into one cell because their expected counts were small.
    public var pooledCategories: [String]?
    /// Chi-square only: categories present in the batch but never seen in the reference.
    public var unseenCategories: [String]?

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
    }
}

/// The answer to "does this batch still look like the training data?".
public struct DriftReport: Sendable, Codable, Equatable {
    /// True when at least one feature drifted: retrain.
    public var criticalDrift: Bool
    /// The rule in words, so a log line or a report is self-explanatory.
    public var rule: String
    /// The features that drifted, most significant first.
    public var drivers: [Column]
    public var alpha: Double
    public var correction: MultipleTestingCorrection
    public var minEffect: Double?
    public var referenceRows: Int
    public var currentRows: Int
    /// One entry per feature, in published column order.
    public var columns: [ColumnDrift]

    enum CodingKeys: String, CodingKey {
        case rule, drivers, alpha, correction, columns
        case criticalDrift = "critical_drift"
        case minEffect = "min_effect"
        case referenceRows = "reference_rows"
        case currentRows = "current_rows"
    }

    /// Always writes `min_effect` (null when unset), so consumers see every key.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(criticalDrift, forKey: .criticalDrift)
        try container.encode(rule, forKey: .rule)
        try container.encode(drivers, forKey: .drivers)
        try container.encode(alpha, forKey: .alpha)
        try container.encode(correction, forKey: .correction)
        try container.encode(minEffect, forKey: .minEffect)
        try container.encode(referenceRows, forKey: .referenceRows)
        try container.encode(currentRows, forKey: .currentRows)
        try container.encode(columns, forKey: .columns)
    }

    /// Features drifted first (smallest adjusted p first), then the rest by adjusted p.
    public var columnsByConcern: [ColumnDrift] {
        columns.sorted { lhs, rhs in
            if lhs.drifted != rhs.drifted { return lhs.drifted }
            if lhs.pAdjusted != rhs.pAdjusted { return lhs.pAdjusted < rhs.pAdjusted }
            return lhs.effectSize > rhs.effectSize
        }
    }
}
