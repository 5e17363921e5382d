import ShopperCore

/// How categorical features are tested.
package enum CategoricalMethod: Sendable, Equatable, Codable {
    /// `chi2_contingency(correction=False)` on the full table, as scipy (the golden cases).
    /// Anti-conservative when categories are sparse: see ``CategoryPooling``.
    case plain
    /// Chi-square after pooling categories whose expected count is below the threshold
    /// (default 5, Cochran). The default: measured to hold α on 200-row batches.
    case pooled(minimumExpected: Double)
    /// Chi-square statistic with a seeded Monte-Carlo p-value conditional on the margins.
    case monteCarlo(replicates: Int, seed: UInt64)

    /// One line for reports.
    package var summary: String {
        switch self {
        case .plain: "chi-square (scipy chi2_contingency, no pooling)"
        case .pooled(let minimum): "chi-square with categories of expected count < \(minimum.formatted) pooled"
        case .monteCarlo(let replicates, let seed): "chi-square with a Monte-Carlo p-value (\(replicates) tables, seed \(seed))"
        }
    }
}

/// Everything that decides whether a batch has drifted.
package struct DriftConfig: Sendable, Codable, Equatable {
    /// The level each (adjusted) p-value is compared with: a feature drifts when `p_adjusted < α`.
    package var alpha: Double
    package var correction: MultipleTestingCorrection
    /// When set, a feature also needs an effect of at least this size to count as drifted: the
    /// KS statistic D for numeric features, the total variation distance between the category
    /// distributions for categorical ones (both in [0, 1]; equal for a binary feature). Keeps a
    /// huge batch from triggering a retrain over a significant but negligible shift.
    package var minEffect: Double?
    package var ksMethod: KSMethod
    package var categoricalMethod: CategoricalMethod
    /// Columns that say *when* a session happened, not how people shopped (default Month and
    /// SpecialDay). They are tested and reported (`calendar: true`) but never decide
    /// `critical_drift`; the correction runs over the other columns only.
    package var calendarColumns: [Column]
    /// Compare a batch with the reference rows of its own calendar (``DriftReference/calendarMatch(for:minimumRows:)``)
    /// rather than with the whole reference.
    package var calendarMatching: Bool
    /// The fewest reference rows a calendar match may use; below it the next coarser match
    /// (month × SpecialDay → month → whole reference) is taken.
    package var minimumMatchedRows: Int

    package init(
        alpha: Double = 0.05,
        correction: MultipleTestingCorrection = .bh,
        minEffect: Double? = nil,
        ksMethod: KSMethod = .auto,
        categoricalMethod: CategoricalMethod = .pooled(minimumExpected: 5),
        calendarColumns: [Column] = [.month, .specialDay],
        calendarMatching: Bool = true,
        minimumMatchedRows: Int = 50
    ) {
        self.alpha = alpha
        self.correction = correction
        self.minEffect = minEffect
        self.ksMethod = ksMethod
        self.categoricalMethod = categoricalMethod
        self.calendarColumns = calendarColumns
        self.calendarMatching = calendarMatching
        self.minimumMatchedRows = minimumMatchedRows
    }

    /// Decodes configurations written before the calendar fields existed (they get the defaults).
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = DriftConfig()
        alpha = try container.decode(Double.self, forKey: .alpha)
        correction = try container.decode(MultipleTestingCorrection.self, forKey: .correction)
        minEffect = try container.decodeIfPresent(Double.self, forKey: .minEffect)
        ksMethod = try container.decode(KSMethod.self, forKey: .ksMethod)
        categoricalMethod = try container.decode(CategoricalMethod.self, forKey: .categoricalMethod)
        calendarColumns = try container.decodeIfPresent([Column].self, forKey: .calendarColumns) ?? defaults.calendarColumns
        calendarMatching = try container.decodeIfPresent(Bool.self, forKey: .calendarMatching) ?? defaults.calendarMatching
        minimumMatchedRows = try container.decodeIfPresent(Int.self, forKey: .minimumMatchedRows) ?? defaults.minimumMatchedRows
    }

    /// The reference design this project started from: every feature at α = 0.05, no
    /// correction, plain chi-square, the whole reference. Kept for comparison in the
    /// calibration benchmark.
    package static let uncorrected = DriftConfig(correction: .none, categoricalMethod: .plain, calendarColumns: [], calendarMatching: false)

    /// The defaults before calendar columns were told apart: every one of the 17
    /// features decides, against the whole reference. Kept for comparison in the benchmark.
    package static let calendarBlind = DriftConfig(calendarColumns: [], calendarMatching: false)

    /// Checks the values an operator can type.
    package func validated() throws(DriftError) -> DriftConfig {
        guard alpha > 0, alpha < 1 else { throw .invalidAlpha(alpha) }
        if let minEffect, !(minEffect >= 0 && minEffect <= 1) { throw .invalidMinEffect(minEffect) }
        if case .pooled(let minimum) = categoricalMethod, !(minimum > 0) { throw .invalidPoolingThreshold(minimum) }
        if case .monteCarlo(let replicates, _) = categoricalMethod, replicates < 1 { throw .invalidReplicates(replicates) }
        guard minimumMatchedRows >= 1 else { throw .invalidMinimumMatchedRows(minimumMatchedRows) }
        return self
    }
}

/// Why a drift check could not run. Messages say what to change.
package enum DriftError: Error, Equatable, CustomStringConvertible {
    case emptyReference
    case emptyCurrent
    case invalidAlpha(Double)
    case invalidMinEffect(Double)
    case invalidPoolingThreshold(Double)
    case invalidReplicates(Int)
    case invalidMinimumMatchedRows(Int)

    package var description: String {
        switch self {
        case .emptyReference: "the reference has no rows; point --reference at the data the model was trained on"
        case .emptyCurrent: "the current batch has no rows; nothing to compare"
        case .invalidAlpha(let alpha): "alpha must be strictly between 0 and 1 (got \(alpha)); the usual choice is 0.05"
        case .invalidMinEffect(let value): "--min-effect must be between 0 and 1 (got \(value)); it is a KS D / total variation distance"
        case .invalidPoolingThreshold(let value): "the pooling threshold must be a positive expected count (got \(value)); Cochran's rule uses 5"
        case .invalidReplicates(let value): "Monte-Carlo needs at least one replicate (got \(value)); 1999 is typical"
        case .invalidMinimumMatchedRows(let value):
            "a calendar match needs at least one reference row (got \(value)); the default is 50, or turn calendar matching off"
        }
    }
}

extension Double {
    /// `5` rather than `5.0`, `0.05` as is: numbers in human-readable rules.
    var formatted: String {
        self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
}
