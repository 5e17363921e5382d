/// The training data cut into at most 255 quantile bins per feature, one byte per value.
///
/// Binned once per fit (LightGBM's idea): split search then only counts bytes into small
/// histograms instead of sorting doubles at every node. Bin `b` of a feature holds the values
/// `upperBounds[b-1] < x ≤ upperBounds[b]`; the last bin is unbounded above and also takes NaN, so
/// "bin ≤ b" is exactly "x ≤ upperBounds[b]" — the raw-value test a fitted tree stores and scoring
/// uses. Training and scoring therefore route every value, NaN included, the same way.
struct FeatureBins: Sendable {
    /// Per feature, the bin boundaries (ascending; bin count = boundaries + 1).
    let upperBounds: [[Double]]
    /// Bin codes, column-major: `codes[feature * rowCount + row]`.
    let codes: [UInt8]
    let rowCount: Int

    var featureCount: Int { upperBounds.count }

    /// Bins every column of `matrix` with at most `maxBins` bins (≤ 256).
    init(_ matrix: FeatureMatrix, maxBins: Int) {
        precondition((2...256).contains(maxBins))
        rowCount = matrix.rowCount
        var bounds: [[Double]] = []
        var codes = [UInt8](repeating: 0, count: matrix.values.count)
        for f in 0..<matrix.featureCount {
            let column = matrix.column(f)
            let cut = FeatureBins.boundaries(of: column, maxBins: maxBins)
            bounds.append(cut)
            let base = f * matrix.rowCount
            for (offset, x) in column.enumerated() {
                codes[base + offset] = UInt8(FeatureBins.bin(of: x, in: cut))
            }
        }
        upperBounds = bounds
        self.codes = codes
    }

    /// The bin of `x`: the first bin whose upper bound is ≥ x, else the last (NaN lands there).
    @inline(__always)
    static func bin(of x: Double, in bounds: [Double]) -> Int {
        var low = 0
        var high = bounds.count
        while low < high {
            let mid = (low + high) >> 1
            if x <= bounds[mid] { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// Boundaries that put roughly equal numbers of rows in each bin.
    ///
    /// With at most `maxBins` distinct values every distinct value gets its own bin; otherwise
    /// distinct values are accumulated greedily until a bin holds its share of the remaining rows,
    /// so a value as frequent as PageValues = 0 (78 % of rows) fills one bin and the remaining
    /// bins share the rest evenly. When the column has NaN, one bin above the largest value is kept
    /// for NaN alone. A boundary lies midway between the two distinct values it
    /// separates (as scikit-learn's thresholds do), or on the lower one when the midpoint rounds
    /// up to the upper.
    static func boundaries(of column: ArraySlice<Double>, maxBins: Int) -> [Double] {
        let sorted = column.filter { !$0.isNaN }.sorted()
        guard !sorted.isEmpty else { return [] }
        if sorted.count < column.count, let largest = sorted.last {
            // NaN present: keep the last bin for NaN alone (boundary at the largest value), so a split
            // can set missing values apart.
            return finiteBoundaries(sorted, maxBins: maxBins - 1) + [largest]
        }
        return finiteBoundaries(sorted, maxBins: maxBins)
    }

    private static func finiteBoundaries(_ sorted: [Double], maxBins: Int) -> [Double] {
        var distinct: [Double] = []
        var counts: [Int] = []
        for x in sorted {
            if let last = distinct.last, last == x {
                counts[counts.count - 1] += 1
            } else {
                distinct.append(x)
                counts.append(1)
            }
        }
        func midpoint(_ i: Int) -> Double {
            let a = distinct[i]
            let b = distinct[i + 1]
            let m = a / 2 + b / 2
            return (m == b || m.isInfinite) ? a : m
        }
        if distinct.count <= maxBins {
            return (0..<(distinct.count - 1)).map(midpoint)
        }
        var bounds: [Double] = []
        var remainingRows = sorted.count
        var inBin = 0
        for i in 0..<(distinct.count - 1) {
            let binsLeft = maxBins - bounds.count
            inBin += counts[i]
            let share = Double(remainingRows) / Double(binsLeft)
            // Close the bin once it holds its share of the rows not yet binned.
            if Double(inBin) >= share {
                bounds.append(midpoint(i))
                remainingRows -= inBin
                inBin = 0
                if bounds.count == maxBins - 1 { break }
            }
        }
        return bounds
    }
}
