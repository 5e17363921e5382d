#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The survival function of the two-sided one-sample Kolmogorov–Smirnov statistic `D_n`,
/// `P(D_n > x)` — what `scipy.stats.kstwo.sf(x, n)` returns and what `ks_2samp` uses for its
/// asymptotic p-value.
///
/// It follows Simard & L'Ecuyer (2011) with the same cut-overs scipy uses: Ruben–Gambino closed
/// forms at the extremes, twice the one-sided Smirnov tail where the two tails cannot overlap or
/// where the intersection is negligible, Durbin's matrix (Marsaglia–Tsang–Wang) for small `n·x²`,
/// Pomeranz's recursion for moderate `n·x²` and small `n`, and the Pelz–Good expansion for large
/// `n`. Matching the branch choices matters: the approximations differ from each other by more
/// than the 1e-7 relative tolerance the golden cases demand.
enum KolmogorovDistribution {
    /// `kstwo.sf(x, n)` including the distribution framework's guards: NaN for a size that is not
    /// a positive integer, 1 at or below the support's lower end `0.5/n`, 0 at or above 1.
    static func survival(_ x: Double, n: Double) -> Double {
        guard !x.isNaN, n >= 1, n == n.rounded(), n < Double(Int.max) else { return .nan }
        if x <= 0.5 / n { return 1 }
        if x >= 1 { return 0 }
        return survival(x, n: Int(n))
    }

    /// Simard & L'Ecuyer's selection, survival side (scipy `_kolmogn(n, x, cdf=False)`).
    static func survival(_ x: Double, n: Int) -> Double {
        if x >= 1 { return 0 }
        if x <= 0 { return 1 }
        let nd = Double(n)
        let t = nd * x
        if t <= 1 {
            // Ruben–Gambino: for 1/(2n) ≤ x ≤ 1/n, P(D_n ≤ x) = n!/nⁿ·(2t − 1)ⁿ.
            if t <= 0.5 { return 1 }
            let cdf: Double
            if n <= 140 {
                var product = 1.0
                let scale = 1.0 / nd, base = 2 * t - 1
                for i in 1...n { product *= Double(i) * scale * base }
                cdf = product
            } else {
                cdf = exp(logFactorialOverPower(n) + nd * log(2 * t - 1))
            }
            return clip(1 - cdf)
        }
        if t >= nd - 1 {
            // Ruben–Gambino at the top: P(D_n > x) = 2(1 − x)ⁿ.
            return clip(2 * pow(1 - x, nd))
        }
        if x >= 0.5 {
            // The two one-sided events cannot both happen: exactly twice the one-sided tail.
            return clip(2 * SmirnovDistribution.survival(x, n: n))
        }
        let nxSquared = t * x
        if n <= 140 {
            if nxSquared <= 0.754693 { return clip(1 - durbinMatrixCDF(x, n: n)) }
            if nxSquared <= 4 { return clip(1 - pomeranzCDF(x, n: n)) }
            return clip(2 * SmirnovDistribution.survival(x, n: n))
        }
        if nxSquared >= 370 { return 0 }
        if nxSquared >= 2.2 { return clip(2 * SmirnovDistribution.survival(x, n: n)) }
        let cdf: Double
        if n <= 100_000 && nd * pow(x, 1.5) <= 1.4 {
            cdf = durbinMatrixCDF(x, n: n)
        } else {
            cdf = pelzGoodCDF(x, n: n)
        }
        return clip(1 - cdf)
    }

    static func clip(_ p: Double) -> Double { min(max(p, 0), 1) }

    // MARK: n!/nⁿ

    /// `log(n!/nⁿ)` by Stirling's series with `n·log n` removed analytically (no cancellation):
    /// `½log n − n + ½log 2π + Σⱼ B₂ⱼ/(2j(2j−1)·n^{2j−1})`, eight terms.
    static func logFactorialOverPower(_ n: Int) -> Double {
        let nd = Double(n)
        let rn = 1.0 / nd
        let y = rn / nd
        // B₂ⱼ/(2j(2j−1)) for j = 8 … 1, highest power first (Horner).
        let coefficients: [Double] = [
            -3617.0 / 122_400.0, 1.0 / 156.0, -691.0 / 360_360.0, 1.0 / 1188.0,
            -1.0 / 1680.0, 1.0 / 1260.0, -1.0 / 360.0, 1.0 / 12.0,
        ]
        var series = 0.0
        for c in coefficients { series = series * y + c }
        return log(nd) / 2 - nd + log(2 * Double.pi) / 2 + rn * series
    }

    // MARK: Durbin matrix (Marsaglia, Tsang & Wang 2003)

    private static let scaleUp = 0x1p128
    private static let scaleDown = 0x1p-128

    /// `P(D_n ≤ d)` as the (k, k) entry of `n!/nⁿ·Hⁿ`, H the (2k−1)² Durbin matrix with
    /// `d = (k − h)/n`. Powers by repeated squaring with separate power-of-two exponents so
    /// neither the matrix nor the scalar over- or underflows.
    static func durbinMatrixCDF(_ d: Double, n: Int) -> Double {
        if d >= 1 { return 1 }
        let nd = Double(n) * d
        if nd <= 0.5 { return 0 }
        let k = Int(nd.rounded(.up))
        let h = Double(k) - nd
        let m = 2 * k - 1
        var v = [Double](repeating: 0, count: m)
        var w = [Double](repeating: 0, count: m)
        var factorial = 1.0
        for j in 1...m {
            w[j - 1] = factorial
            factorial /= Double(j)
            v[j - 1] = (1 - pow(h, Double(j))) * factorial
        }
        let tt = pow(max(2 * h - 1, 0), Double(m)) - 2 * pow(h, Double(m))
        v[m - 1] = (1 + tt) * factorial

        var matrix = SquareMatrix(size: m)
        for i in 1..<max(m, 1) {
            for row in (i - 1)..<m { matrix[row, i] = w[row - (i - 1)] }
        }
        for row in 0..<m { matrix[row, 0] = v[row] }
        for column in 0..<m { matrix[m - 1, column] = v[m - 1 - column] }

        var power = SquareMatrix.identity(size: m)
        var remaining = n
        var exponent = 0, matrixExponent = 0
        while remaining > 0 {
            if remaining % 2 == 1 {
                power = power.multiplied(by: matrix)
                exponent += matrixExponent
            }
            matrix = matrix.multiplied(by: matrix)
            matrixExponent *= 2
            if abs(matrix[k - 1, k - 1]) > scaleUp {
                matrix.scale(by: scaleDown)
                matrixExponent += 128
            }
            remaining /= 2
        }
        var p = power[k - 1, k - 1]
        let n64 = Double(n)
        for i in 1...n {
            p = Double(i) * p / n64
            if abs(p) < scaleDown {
                p *= scaleUp
                exponent -= 128
            }
        }
        if exponent != 0 { p = scalbn(p, Int32(exponent)) }
        return clip(p)
    }

    // MARK: Pomeranz (1974)

    /// `P(D_n ≤ x)` by Pomeranz's recursion: 2n + 1 convolutions of a short row with truncated
    /// Poisson weights, keeping only the band of the row that can be non-zero and rescaling by
    /// 2¹²⁸ when it underflows.
    static func pomeranzCDF(_ x: Double, n: Int) -> Double {
        let nd = Double(n)
        let t = nd * x
        let ll = Int(t.rounded(.down))
        let f = t - Double(ll)
        let g = min(f, 1 - f)
        let ceilf = f > 0 ? 1 : 0
        let roundf = f > 0.5 ? 1 : 0
        let powers = 2 * (ll + 1)
        var gPower = [Double](repeating: 1, count: powers)
        var twoGPower = [Double](repeating: 1, count: powers)
        var oneMinusTwoGPower = [Double](repeating: 1, count: powers)
        let gOverN = g / nd, twoGOverN = 2 * g / nd, oneMinusTwoGOverN = (1 - 2 * g) / nd
        for m in 1..<powers {
            gPower[m] = gPower[m - 1] * gOverN / Double(m)
            twoGPower[m] = twoGPower[m - 1] * twoGOverN / Double(m)
            oneMinusTwoGPower[m] = oneMinusTwoGPower[m - 1] * oneMinusTwoGOverN / Double(m)
        }
        var v0 = [Double](repeating: 0, count: powers)
        var v1 = [Double](repeating: 0, count: powers)
        v1[0] = 1
        var v0Start = 0, v1Start = 0
        var exponent = 0
        var (j1, _) = pomeranzBounds(row: 0, n: n, ll: ll, ceilf: ceilf, roundf: roundf)
        for i in 1..<(2 * n + 2) {
            let k1 = j1
            swap(&v0, &v1)
            swap(&v0Start, &v1Start)
            for index in v1.indices { v1[index] = 0 }
            let bounds = pomeranzBounds(row: i, n: n, ll: ll, ceilf: ceilf, roundf: roundf)
            j1 = bounds.0
            let j2 = bounds.1
            let weights: [Double]
            if i == 1 || i == 2 * n + 1 {
                weights = gPower
            } else {
                weights = i % 2 == 1 ? twoGPower : oneMinusTwoGPower
            }
            let length = j2 - k1 + 1
            if length > 0 {
                // conv = convolve(v0[k1 − v0Start ..< + length], weights[..< length]); keep the
                // entries from j1 − k1 on.
                let sourceStart = k1 - v0Start
                let sourceCount = max(0, min(length, powers - sourceStart))
                let weightCount = min(length, powers)
                let convStart = j1 - k1
                let convLength = j2 - j1 + 1
                var largest = 0.0
                for out in 0..<convLength {
                    let c = convStart + out
                    var sum = 0.0
                    let lower = max(0, c - (weightCount - 1)), upper = min(c, sourceCount - 1)
                    if lower <= upper {
                        for s in lower...upper { sum += v0[sourceStart + s] * weights[c - s] }
                    }
                    v1[out] = sum
                    largest = max(largest, sum)
                }
                if largest > 0 && largest < scaleDown {
                    for index in v1.indices { v1[index] *= scaleUp }
                    exponent -= 128
                }
                v1Start = v0Start + j1 - k1
            }
        }
        var answer = v1[n - v1Start]
        for m in 1...n {
            if abs(answer) > scaleUp {
                answer *= scaleDown
                exponent += 128
            }
            answer *= Double(m)
        }
        if exponent != 0 { answer = scalbn(answer, Int32(exponent)) }
        return clip(answer)
    }

    /// The first and last column of row `row` of Pomeranz's band.
    static func pomeranzBounds(row i: Int, n: Int, ll: Int, ceilf: Int, roundf: Int) -> (Int, Int) {
        let j1: Int, j2: Int
        if i == 0 {
            j1 = -ll - ceilf - 1
            j2 = ll + ceilf - 1
        } else {
            let half = (i + 1) / 2, odd = (i + 1) % 2
            if odd == 0 {
                if half == n + 1 {
                    j1 = n - ll - ceilf - 1
                    j2 = n + ll + ceilf - 1
                } else {
                    j1 = half - 1 - ll - roundf - 1
                    j2 = half + ll - 1 + ceilf - 1
                }
            } else {
                j1 = half - 1 - ll - 1
                j2 = half + ll + roundf - 1
            }
        }
        return (max(j1 + 2, 0), min(j2, n))
    }

    // MARK: Pelz–Good (1976)

    /// The Li-Chien/Korolyuk expansion `K₀ + K₁/√n + K₂/n + K₃/n^{3/2}` rewritten with Jacobi
    /// theta identities into sums that converge fast for small `z = x√n`.
    static func pelzGoodCDF(_ x: Double, n: Int) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let nd = Double(n)
        let z = nd.squareRoot() * x
        let z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2
        let pi2 = Double.pi * Double.pi, pi4 = pi2 * pi2, pi6 = pi4 * pi2
        let qlog = -pi2 / 8 / z2
        if qlog < -708 { return 0 }
        var q = exp(qlog)

        let k1a = -z2, k1b = pi2 / 4
        let k2a = 6 * z6 + 2 * z4
        let k2b = (2 * z4 - 5 * z2) * pi2 / 4
        let k2c = pi4 * (1 - 2 * z2) / 16
        let k3d = pi6 * (5 - 30 * z2) / 64
        let k3c = pi4 * (-60 * z2 + 212 * z4) / 16
        let k3b = pi2 * (135 * z4 - 96 * z6) / 4
        let k3a = -30 * z6 - 90 * pow(z, 8)

        var k0 = 0.0, k1 = 0.0, k2 = 0.0, k3 = 0.0
        let maxk = Int((16 * z / Double.pi).rounded(.up))
        var k = maxk
        while k >= 1 {
            let m = Double(2 * k - 1)
            let m2 = m * m, m4 = m2 * m2, m6 = m4 * m2
            let qpower = pow(q, Double(8 * k))
            k0 = k0 * qpower + 1
            k1 = k1 * qpower + (k1a + k1b * m2)
            k2 = k2 * qpower + (k2a + k2b * m2 + k2c * m4)
            k3 = k3 * qpower + (k3a + k3b * m2 + k3c * m4 + k3d * m6)
            k -= 1
        }
        let sqrt2pi = (2 * Double.pi).squareRoot()
        k0 = k0 * q * sqrt2pi / z
        k1 = k1 * q * sqrt2pi / (6 * z4)
        k2 = k2 * q * sqrt2pi / (72 * pow(z, 7))
        k3 = k3 * q * sqrt2pi / (6480 * pow(z, 10))

        q = exp(-pi2 / 2 / z2)
        let sqrt3z = 3.0.squareRoot() * z
        var k2extra = 0.0, k3extra = 0.0
        k = maxk
        while k >= 1 {
            let kd = Double(k)
            let k2d = kd * kd
            let qk = pow(q, k2d)
            k2extra += k2d * qk
            let kpi = Double.pi * kd
            k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2d * qk
            k -= 1
        }
        k2 += k2extra * (pi2 * sqrt2pi / (-36 * z3))
        k3 += k3extra * (pi2 * sqrt2pi / (216 * z6))
        return k0 + k1 / nd.squareRoot() + k2 / nd + k3 / pow(nd, 1.5)
    }
}

/// A dense row-major square matrix, just enough for Durbin's matrix powers (sizes up to a few
/// hundred).
struct SquareMatrix {
    let size: Int
    var storage: [Double]

    init(size: Int) {
        self.size = size
        storage = [Double](repeating: 0, count: size * size)
    }

    static func identity(size: Int) -> SquareMatrix {
        var matrix = SquareMatrix(size: size)
        for i in 0..<size { matrix[i, i] = 1 }
        return matrix
    }

    subscript(row: Int, column: Int) -> Double {
        get { storage[row * size + column] }
        set { storage[row * size + column] = newValue }
    }

    func multiplied(by other: SquareMatrix) -> SquareMatrix {
        var result = SquareMatrix(size: size)
        let n = size
        storage.withUnsafeBufferPointer { a in
            other.storage.withUnsafeBufferPointer { b in
                result.storage.withUnsafeMutableBufferPointer { c in
                    for i in 0..<n {
                        for k in 0..<n {
                            let aik = a[i * n + k]
                            if aik == 0 { continue }
                            for j in 0..<n { c[i * n + j] += aik * b[k * n + j] }
                        }
                    }
                }
            }
        }
        return result
    }

    mutating func scale(by factor: Double) {
        for index in storage.indices { storage[index] *= factor }
    }
}
