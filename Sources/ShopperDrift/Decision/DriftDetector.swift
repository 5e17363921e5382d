import ShopperCore

/// Decides whether a batch of sessions has drifted away from a reference.
///
/// The batch is compared with the reference rows of its own calendar when the reference has
/// them (``DriftReference/calendarMatch(for:minimumRows:)``). Each input feature gets one test —
/// two-sample KS for numeric features, chi-square of homogeneity for categorical ones — then
/// the p-values are adjusted for multiplicity and compared with α, optionally with an
/// effect-size floor. The calendar columns (Month, SpecialDay) form their own family: they are
/// reported but never decide. `critical_drift` is true when any behavioural feature drifts.
package struct DriftDetector: Sendable {
    package let config: DriftConfig

    /// A batch at least this share of whose rows come from months the reference has no row of is
    /// outside the model's experience (a Feb–Jul champion meeting November): there the calendar
    /// is the change, and Month's own test (adjusted among the calendar columns) may decide too.
    /// A batch of months the reference holds never meets it, so it adds no false alarm to
    /// single-month or single-week batches of unchanged behaviour (docs/drift.md).
    package static let unseenSeasonShare = 0.5

    package init(config: DriftConfig = DriftConfig()) throws(DriftError) {
        self.config = try config.validated()
    }

    package func check(_ current: [Session], against reference: DriftReference) throws(DriftError) -> DriftReport {
        guard reference.rowCount > 0 else { throw .emptyReference }
        guard !current.isEmpty else { throw .emptyCurrent }
        let match = config.calendarMatching
            ? reference.calendarMatch(for: current, minimumRows: config.minimumMatchedRows)
            : CalendarMatch(level: .none, months: [], sample: reference.whole)
        var results = [ColumnDrift]()
        results.reserveCapacity(reference.columns.count)
        for (index, column) in reference.columns.enumerated() {
            var result = column.isCategorical
                ? testCategorical(column, index: index, current: current, reference: match.sample)
                : testNumeric(column, current: current, reference: match.sample)
            result.calendar = config.calendarColumns.contains(column)
            results.append(result)
        }
        let unseen = config.calendarColumns.contains(.month) ? reference.unseenMonths(of: current) : (months: [], share: 0)
        return CalendarDecision(config: config).decide(
            results, match: match, referenceRows: reference.rowCount, currentRows: current.count,
            unseenMonths: unseen.share >= Self.unseenSeasonShare ? unseen.months : [])
    }

    func testNumeric(_ column: Column, current: [Session], reference: ReferenceSample) -> ColumnDrift {
        let values = current.map { $0.numericValue(column) }.radixSorted()
        let result: KSTestResult
        do {
            result = try KolmogorovSmirnovTest.twoSided(
                sortedX: reference.sortedValues(column), sortedY: values, method: config.ksMethod)
        } catch {
            // Unreachable for validated sessions (finite values, non-empty sides): report "no evidence".
            result = KSTestResult(statistic: 0, pValue: 1, location: 0, sign: 1, method: .asymp, fellBackToAsymptotic: false)
        }
        return ColumnDrift(
            column: column, kind: .numeric, test: .ks, statistic: result.statistic,
            // One value on each side with `asymp` gives NaN in scipy; it is no evidence of drift.
            pValue: result.pValue.isNaN ? 1 : result.pValue, pAdjusted: 1,
            effectSize: result.statistic, effectMeasure: .ksD, drifted: false, method: result.method,
            statisticLocation: result.location
        )
    }

    func testCategorical(_ column: Column, index: Int, current: [Session], reference: ReferenceSample) -> ColumnDrift {
        let referenceCounts = reference.categoryCounts(column)
        let currentCounts = CategoryCounts(current, column: column)
        let labels = CategoryCounts.unionOfLabels(referenceCounts, currentCounts)
        let referenceRow = labels.map(referenceCounts.count)
        let currentRow = labels.map(currentCounts.count)
        let unseen = labels.filter { referenceCounts.count($0) == 0 }

        // Total variation distance on the full (unpooled) distributions.
        let referenceTotal = Double(referenceCounts.total), currentTotal = Double(currentCounts.total)
        let distance = 0.5 * zip(referenceRow, currentRow).reduce(0.0) { sum, pair in
            sum + abs(Double(pair.0) / referenceTotal - Double(pair.1) / currentTotal)
        }

        var pooled = [String]()
        let outcome: ChiSquareTestResult?
        switch config.categoricalMethod {
        case .plain:
            outcome = try? ChiSquareHomogeneityTest.test(reference: referenceRow, current: currentRow)
        case .pooled(let minimumExpected):
            let cells = CategoryPooling.cells(reference: referenceRow, current: currentRow, minimumExpected: minimumExpected)
            if let merged = cells.last, merged.count > 1 { pooled = merged.map { labels[$0] } }
            outcome = try? ChiSquareHomogeneityTest.test(
                reference: cells.map { $0.reduce(0) { $0 + referenceRow[$1] } },
                current: cells.map { $0.reduce(0) { $0 + currentRow[$1] } })
        case .monteCarlo(let replicates, let seed):
            // A per-feature stream, so a feature's p-value does not depend on the others.
            outcome = try? ChiSquareMonteCarlo.pValue(
                reference: referenceRow, current: currentRow, replicates: replicates,
                seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        }
        // The table is never degenerate here (both sides non-empty, only observed labels);
        // a failure would mean no test, i.e. no evidence.
        let result = outcome ?? ChiSquareTestResult(statistic: 0, pValue: 1, degreesOfFreedom: 0)
        return ColumnDrift(
            column: column, kind: .categorical, test: .chi2, statistic: result.statistic,
            pValue: result.pValue.isNaN ? 1 : result.pValue, pAdjusted: 1,
            effectSize: distance, effectMeasure: .totalVariation, drifted: false,
            degreesOfFreedom: result.degreesOfFreedom, pooledCategories: pooled, unseenCategories: unseen
        )
    }
}
