#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The survival function of the one-sided one-sample Kolmogorov–Smirnov statistic,
/// `P(D⁺_n ≥ x)` (`scipy.special.smirnov(n, x)`), by the Smirnov/Birnbaum–Tingey sum
///
///     P(D⁺_n ≥ x) = x · Σ_{v=0}^{⌊n(1−x)⌋} C(n, v) (x + v/n)^{v−1} (1 − x − v/n)^{n−v}
///
/// All terms are positive, so small tails keep their relative precision. Each term is formed in
/// log space from `n·x` split exactly into integer and fractional parts (an FMA recovers the
/// rounding error of the product), so `1 − x − v/n` loses nothing to cancellation when it is
/// tiny. Relative error ≲ 1e-11 for the sizes a drift check meets.
enum SmirnovDistribution {
    /// The smallest argument `exp` does not flush to zero: `log(2⁻¹⁰⁷⁵)`.
    static let minLog = -745.1332191019412

    static func survival(_ x: Double, n: Int) -> Double {
        guard n > 0, x >= 0, x <= 1 else { return .nan }
        if n == 1 { return 1 - x }
        if x == 0 { return 1 }
        if x == 1 { return 0 }
        let nd = Double(n)
        // n·x = whole + alpha exactly (0 ≤ alpha < 1).
        let product = nd * x
        let residual = fma(nd, x, -product)
        var whole = product.rounded(.down)
        var alpha = (product - whole) + residual
        if alpha < 0 { whole -= 1; alpha += 1 }
        if alpha >= 1 { whole += 1; alpha -= 1 }
        let nxFloor = Int(whole)

        if nxFloor == 0 || (nxFloor == 1 && alpha == 0) {
            // x ≤ 1/n: P(D⁺ ≥ x) = 1 − x(1 + x)^{n−1}.
            return 1 - x * pow(1 + x, nd - 1)
        }
        if -2 * nd * x * x < minLog { return 0 }
        if nxFloor >= n - 1 {
            // x ≥ 1 − 1/n: only the v = 0 term remains.
            return pow(1 - x, nd)
        }
        if n > 1_000_000 {
            // scipy's approximation for huge n: p ≈ exp(−(6nx + 1)²/(18n)).
            let logp = -pow(6 * nd * x + 1, 2) / 18 / nd
            return logp < -log(2.0) ? exp(logp) : 1 + expm1(logp)
        }
        // Terms v = 0 … ⌊n(1 − x)⌋; when n(1 − x) is an integer its last term is 0ⁿ⁻ᵛ = 0, so the
        // sum always stops at n − ⌊nx⌋ − 1.
        let lastTerm = n - nxFloor - 1
        let logNFactorial = logGamma(nd + 1)
        var sum = 0.0
        let terms = lastTerm + 1
        for v in 0...lastTerm {
            let vd = Double(v)
            // x + v/n and 1 − x − v/n, each as (integer ± alpha)/n.
            let above = (Double(nxFloor + v) + alpha) / nd
            let below = (Double(n - nxFloor - v) - alpha) / nd
            let logBinomial = logNFactorial - logGamma(vd + 1) - logGamma(nd - vd + 1)
            let logPowers: Double = (vd - 1) * log(above) + (nd - vd) * log(below)
            let logTerm = logBinomial + logPowers
            let term = exp(logTerm)
            sum += term
            if term != 0 {
                if 4 * Double(terms - v) * term < Double.ulpOfOne * sum && v != lastTerm { break }
            } else if v > n / 2 {
                break
            }
        }
        return min(max(x * sum, 0), 1)
    }
}
