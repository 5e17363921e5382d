/// The outcome of a two-sided two-sample Kolmogorov–Smirnov test, field for field what
/// `scipy.stats.ks_2samp` returns, plus how the p-value was obtained.
package struct KSTestResult: Sendable, Codable, Equatable {
    /// The largest absolute difference between the two empirical CDFs. With `exact`, scipy
    /// snaps it to the lattice `h / lcm(m, n)`; so do we.
    package var statistic: Double
    /// The two-sided p-value, clipped to [0, 1]. NaN only where scipy gives NaN (one value on
    /// each side with `asymp`, whose effective size rounds to 0).
    package var pValue: Double
    /// The value at which the statistic is attained (scipy's `statistic_location`).
    package var location: Double
    /// +1 when the first sample's ECDF is above the second's at `location`, −1 otherwise
    /// (scipy's `statistic_sign`).
    package var sign: Int
    /// The method that produced `pValue`: `exact` or `asymp`, never `auto`.
    package var method: KSMethod
    /// True when `exact` was attempted and scipy's rules switched to `asymp`.
    package var fellBackToAsymptotic: Bool

    package init(
        statistic: Double, pValue: Double, location: Double, sign: Int, method: KSMethod,
        fellBackToAsymptotic: Bool
    ) {
        self.statistic = statistic
        self.pValue = pValue
        self.location = location
        self.sign = sign
        self.method = method
        self.fellBackToAsymptotic = fellBackToAsymptotic
    }
}

/// Why a KS test could not be computed.
package enum KSTestError: Error, Equatable, CustomStringConvertible {
    /// One of the samples has no values.
    case emptySample
    /// A sample contains NaN (scipy would return NaN for everything; we refuse instead).
    case notANumber

    package var description: String {
        switch self {
        case .emptySample:
            "a KS test needs at least one value on each side; check that the batch and the reference are not empty"
        case .notANumber:
            "a KS sample contains NaN; clean the column (silver rows never contain NaN) before testing"
        }
    }
}
