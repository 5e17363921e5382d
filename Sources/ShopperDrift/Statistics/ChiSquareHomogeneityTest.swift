/// The result of a chi-square test of homogeneity on a 2 × k table.
package struct ChiSquareTestResult: Sendable, Codable, Equatable {
    /// Pearson's statistic Σ (O − E)²/E over the 2k cells.
    package var statistic: Double
    /// `P(χ²_dof > statistic)`.
    package var pValue: Double
    /// k − 1 (0 when only one category is left: statistic 0, p-value 1, as scipy).
    package var degreesOfFreedom: Int

    package init(statistic: Double, pValue: Double, degreesOfFreedom: Int) {
        self.statistic = statistic
        self.pValue = pValue
        self.degreesOfFreedom = degreesOfFreedom
    }
}

/// Why a chi-square test could not be computed.
package enum ChiSquareTestError: Error, Equatable, CustomStringConvertible {
    /// The two rows have different numbers of categories.
    case mismatchedCategories(reference: Int, current: Int)
    /// A count is negative.
    case negativeCount
    /// A row or a category has no observations at all, so an expected count is zero.
    case zeroExpectedFrequency

    package var description: String {
        switch self {
        case .mismatchedCategories(let reference, let current):
            "the reference has \(reference) category counts and the current batch \(current); pass one count per category on both sides"
        case .negativeCount:
            "a category count is negative; counts must be ≥ 0"
        case .zeroExpectedFrequency:
            "a side or a category has no observations, so an expected count is 0; drop empty categories and test non-empty batches"
        }
    }
}

/// The chi-square test of homogeneity of a reference and a current sample over the same
/// categories, as `scipy.stats.chi2_contingency(table, correction=False)` computes it for the
/// 2 × k table `[reference; current]`: expected counts `row·column/total`, Pearson's statistic
/// summed in NumPy's order, `k − 1` degrees of freedom, p-value from the chi-square survival
/// function.
package enum ChiSquareHomogeneityTest {
    package static func test(reference: [Int], current: [Int]) throws(ChiSquareTestError) -> ChiSquareTestResult {
        guard reference.count == current.count else {
            throw .mismatchedCategories(reference: reference.count, current: current.count)
        }
        guard !reference.contains(where: { $0 < 0 }), !current.contains(where: { $0 < 0 }) else {
            throw .negativeCount
        }
        let referenceTotal = reference.reduce(0, +), currentTotal = current.reduce(0, +)
        let total = referenceTotal + currentTotal
        let columnTotals = zip(reference, current).map { $0 + $1 }
        guard !reference.isEmpty, referenceTotal > 0, currentTotal > 0, !columnTotals.contains(0) else {
            throw .zeroExpectedFrequency
        }
        let dof = reference.count - 1
        if dof == 0 { return ChiSquareTestResult(statistic: 0, pValue: 1, degreesOfFreedom: 0) }
        // Cell terms in C order: the reference row, then the current row.
        var terms = [Double]()
        terms.reserveCapacity(2 * reference.count)
        for (rowTotal, row) in [(referenceTotal, reference), (currentTotal, current)] {
            for (observed, columnTotal) in zip(row, columnTotals) {
                let expected = Double(rowTotal * columnTotal) / Double(total)
                let difference = Double(observed) - expected
                terms.append(difference * difference / expected)
            }
        }
        let statistic = PairwiseSum.sum(terms)
        let p = IncompleteGamma.chiSquareSurvival(statistic, degreesOfFreedom: Double(dof))
        return ChiSquareTestResult(statistic: statistic, pValue: p, degreesOfFreedom: dof)
    }
}
