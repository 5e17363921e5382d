/// Named numeric features for a set of rows, stored column-major.
///
/// Column-major because training reads one feature over many rows at a time (binning, split
/// search); scoring transposes small blocks of rows itself. `values[feature * rowCount + row]`.
package struct FeatureMatrix: Sendable, Equatable {
    /// The feature names, in column order. A model checks these before scoring.
    package let featureNames: [String]
    /// The number of rows.
    package let rowCount: Int
    /// The values, column after column.
    package let values: [Double]

    /// A matrix from its columns (`columns[f][row]`), one per name.
    package init(featureNames: [String], columns: [[Double]]) throws(ForestError) {
        guard featureNames.count == columns.count else {
            throw .invalidTrainingData("\(featureNames.count) feature names but \(columns.count) columns")
        }
        guard Set(featureNames).count == featureNames.count else {
            throw .invalidTrainingData("duplicate feature names in [\(featureNames.joined(separator: ", "))]")
        }
        let rows = columns.first?.count ?? 0
        if let ragged = columns.firstIndex(where: { $0.count != rows }) {
            throw .invalidTrainingData("column \(featureNames[ragged]) has \(columns[ragged].count) rows, expected \(rows)")
        }
        self.featureNames = featureNames
        self.rowCount = rows
        self.values = columns.flatMap { $0 }
    }

    /// A matrix from column-major values (`values.count == featureNames.count * rowCount`).
    package init(featureNames: [String], rowCount: Int, columnMajor values: [Double]) throws(ForestError) {
        guard values.count == featureNames.count * rowCount else {
            throw .invalidTrainingData("\(values.count) values for \(featureNames.count) features × \(rowCount) rows")
        }
        guard Set(featureNames).count == featureNames.count else {
            throw .invalidTrainingData("duplicate feature names in [\(featureNames.joined(separator: ", "))]")
        }
        self.featureNames = featureNames
        self.rowCount = rowCount
        self.values = values
    }

    /// The number of features (columns).
    package var featureCount: Int { featureNames.count }
    /// `0..<rowCount`.
    package var rowIndices: Range<Int> { 0..<rowCount }

    /// The value of `feature` in `row`.
    @inlinable
    package subscript(row: Int, feature: Int) -> Double {
        values[feature * rowCount + row]
    }

    /// One column, all rows.
    package func column(_ feature: Int) -> ArraySlice<Double> {
        values[(feature * rowCount)..<((feature + 1) * rowCount)]
    }

    /// One row, all features, in column order.
    package func row(_ row: Int) -> [Double] {
        (0..<featureCount).map { self[row, $0] }
    }

    /// The matrix of the given rows, in the given order.
    package func rows(_ indices: [Int]) -> FeatureMatrix {
        var out = [Double]()
        out.reserveCapacity(indices.count * featureCount)
        for f in 0..<featureCount {
            let base = f * rowCount
            for r in indices { out.append(values[base + r]) }
        }
        // Same names, consistent sizes: cannot fail.
        return try! FeatureMatrix(featureNames: featureNames, rowCount: indices.count, columnMajor: out)
    }

    /// The same rows with one column's values replaced (used by permutation importance).
    func replacingColumn(_ feature: Int, with column: [Double]) -> FeatureMatrix {
        precondition(column.count == rowCount)
        var out = values
        out.replaceSubrange((feature * rowCount)..<((feature + 1) * rowCount), with: column)
        return try! FeatureMatrix(featureNames: featureNames, rowCount: rowCount, columnMajor: out)
    }
}
