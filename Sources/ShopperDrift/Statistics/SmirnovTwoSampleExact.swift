/// The exact null distribution of the two-sided two-sample statistic, `P(D ≥ d)`, as scipy's
/// `_attempt_exact_2kssamp` computes it.
///
/// Both algorithms count monotone lattice paths from (0, 0) to (m, n) that leave the band
/// `|x/m − y/n| < h/lcm(m, n)` (Hodges 1958). For m = n a closed alternating sum is evaluated
/// Horner-style without cancellation; otherwise the "inside" recursion is run on the
/// complementary probability (Viehmann 2021, arXiv:2102.08037), so small p-values keep full
/// relative precision — the fixture has exact p-values near 1e-58.
enum SmirnovTwoSampleExact {
    struct Attempt {
        var succeeded: Bool
        /// The statistic snapped to the lattice: `round(d·lcm)/lcm`.
        var statistic: Double
        var probability: Double
    }

    static func attempt(n1: Int, n2: Int, gcd g: Int, statistic d: Double) -> Attempt {
        let lcm = (n1 / g) * n2
        let h = Int((d * Double(lcm)).rounded(.toNearestOrEven))
        let snapped = Double(h) / Double(lcm)
        if h == 0 { return Attempt(succeeded: true, statistic: snapped, probability: 1) }
        let probability = n1 == n2
            ? probabilityOutsideSquare(n: n1, h: h)
            : probabilityOutsideBand(m: n1, n: n2, gcd: g, h: h)
        // scipy treats anything outside [0, 1] (rounding can give 1 + 2⁻⁵²) or NaN as a failure.
        guard probability >= 0, probability <= 1 else {
            return Attempt(succeeded: false, statistic: snapped, probability: probability)
        }
        return Attempt(succeeded: true, statistic: snapped, probability: probability)
    }

    /// `P(D_{n,n} ≥ h/n) = 2·Σ_k (−1)^{k−1} C(2n, n−kh)/C(2n, n)`, each ratio built from h
    /// factors and nested as `2·A₀(1 − A₁(1 − A₂(…)))` to avoid subtractive cancellation.
    static func probabilityOutsideSquare(n: Int, h: Int) -> Double {
        var total = 0.0
        var k = n / h
        while k >= 0 {
            var ratio = 1.0
            for j in 0..<h {
                ratio = Double(n - k * h - j) * ratio / Double(n + k * h + j + 1)
            }
            total = ratio * (1.0 - total)
            k -= 1
        }
        return 2 * total
    }

    /// The proportion of paths from (0, 0) to (m, n) that touch `|x/m − y/n| ≥ h/lcm`, by a
    /// column-by-column recursion over a sliding window of the band. Each cell holds the
    /// probability that a path reaching it has already left the band, so the recursion is a
    /// convex combination — values stay in [0, 1] and never overflow.
    static func probabilityOutsideBand(m mIn: Int, n nIn: Int, gcd g: Int, h: Int) -> Double {
        let (m, n) = mIn >= nIn ? (mIn, nIn) : (nIn, mIn)
        let mg = m / g, ng = n / g
        var minj = 0
        var maxj = min(ceilDiv(h, mg), n + 1)
        var curlen = maxj - minj
        let lenA = min(2 * maxj + 2, n + 1)
        var cells = [Double](repeating: 1, count: lenA)
        for index in minj..<min(maxj, lenA) { cells[index] = 0 }
        return cells.withUnsafeMutableBufferPointer { a -> Double in
            for i in 1...m {
                let lastminj = minj, lastlen = curlen
                minj = min(max(floorDiv(ng * i - h, mg) + 1, 0), n)
                maxj = min(ceilDiv(ng * i + h, mg), n + 1)
                if maxj <= minj { return 1 }
                var value = minj == 0 ? 0.0 : 1.0
                let shift = minj - lastminj
                let di = Double(i)
                for jj in 0..<(maxj - minj) {
                    let j = Double(jj + minj)
                    value = (a[jj + shift] * di + value * j) / (di + j)
                    a[jj] = value
                }
                curlen = maxj - minj
                if lastlen > curlen {
                    // Cells the window slid off are outside the band again: probability 1.
                    for index in curlen..<min(lastlen, lenA) { a[index] = 1 }
                }
            }
            return a[maxj - minj - 1]
        }
    }

    static func floorDiv(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func ceilDiv(_ a: Int, _ b: Int) -> Int {
        -floorDiv(-a, b)
    }
}
