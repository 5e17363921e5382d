/// How per-feature p-values are adjusted before they are compared with α.
///
/// With 17 features tested at α = 0.05 each, an unchanged batch raises at least one alarm most
/// of the time (41–47 % measured); a correction makes α the chance of *any* false alarm.
package enum MultipleTestingCorrection: String, Sendable, Codable, CaseIterable {
    /// Benjamini–Hochberg step-up: controls the false discovery rate, and on a batch that has
    /// not drifted at all (every null true) the chance of any alarm, at α, for independent or
    /// positively dependent tests. Less conservative than Bonferroni when several features move.
    case bh
    /// Bonferroni: `min(1, m·p)`. Controls the chance of any false alarm under any dependence.
    case bonferroni
    /// No correction: the reference design's per-feature rule.
    case none

    /// The adjusted p-values, in the order given. NaN counts as 1 (no evidence).
    package func adjust(_ pValues: [Double]) -> [Double] {
        let p = pValues.map { $0.isNaN ? 1 : $0 }
        let m = Double(p.count)
        switch self {
        case .none:
            return p
        case .bonferroni:
            return p.map { min(1, $0 * m) }
        case .bh:
            // p_adj(i) = min over j ≥ i (ranks by ascending p) of m·p(j)/j, capped at 1.
            let order = p.indices.sorted { p[$0] < p[$1] || (p[$0] == p[$1] && $0 < $1) }
            var adjusted = [Double](repeating: 1, count: p.count)
            var running = 1.0
            for rank in stride(from: order.count, through: 1, by: -1) {
                let index = order[rank - 1]
                running = min(running, p[index] * m / Double(rank))
                adjusted[index] = min(1, running)
            }
            return adjusted
        }
    }

    /// The name used in reports.
    package var displayName: String {
        switch self {
        case .bh: "Benjamini–Hochberg"
        case .bonferroni: "Bonferroni"
        case .none: "no correction"
        }
    }
}
