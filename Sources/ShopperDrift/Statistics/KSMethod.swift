/// How the p-value of a two-sample Kolmogorov–Smirnov test is computed, as in
/// `scipy.stats.ks_2samp(method=…)`.
package enum KSMethod: String, Sendable, Codable, CaseIterable {
    /// Exact when both samples have at most ``KolmogorovSmirnovTest/maxAutoExactSize`` values,
    /// asymptotic otherwise (scipy's `MAX_AUTO_N = 10000`).
    case auto
    /// The exact null distribution of the two-sample statistic (Hodges; Viehmann's stable
    /// recursion). Falls back to `asymp` when the calculation fails numerically or the lattice is
    /// too large, exactly as scipy does.
    case exact
    /// The distribution of the one-sample statistic with the effective size
    /// `round(m·n/(m+n))` (`scipy.stats.kstwo.sf`).
    case asymp
}
