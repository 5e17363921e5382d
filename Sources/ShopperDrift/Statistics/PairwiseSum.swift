/// Sums like NumPy's `np.sum` on a contiguous float64 array: blocks of up to 128 values are added
/// with eight interleaved accumulators, larger arrays are split in halves (multiples of 8)
/// recursively.
///
/// Why bother: scipy's chi-square statistic is `np.sum` of the cell terms, and the golden cases
/// compare statistics of ~1000 to 1e-12, i.e. a few ulps; summing in the same order makes the
/// result bit-identical rather than merely close.
enum PairwiseSum {
    static func sum(_ values: [Double]) -> Double {
        values.withUnsafeBufferPointer { sum($0[...]) }
    }

    static func sum(_ a: Slice<UnsafeBufferPointer<Double>>) -> Double {
        let n = a.count
        let start = a.startIndex
        if n < 8 {
            var total = -0.0
            for value in a { total += value }
            return total
        }
        if n <= 128 {
            var r0 = a[start], r1 = a[start + 1], r2 = a[start + 2], r3 = a[start + 3]
            var r4 = a[start + 4], r5 = a[start + 5], r6 = a[start + 6], r7 = a[start + 7]
            var i = 8
            while i < n - n % 8 {
                r0 += a[start + i]
                r1 += a[start + i + 1]
                r2 += a[start + i + 2]
                r3 += a[start + i + 3]
                r4 += a[start + i + 4]
                r5 += a[start + i + 5]
                r6 += a[start + i + 6]
                r7 += a[start + i + 7]
                i += 8
            }
            var total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            while i < n {
                total += a[start + i]
                i += 1
            }
            return total
        }
        var half = n / 2
        half -= half % 8
        return sum(a[start..<(start + half)]) + sum(a[(start + half)..<a.endIndex])
    }
}
