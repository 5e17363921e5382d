import ShopperCore

/// Turns the per-feature tests into the verdict, with the calendar columns set apart.
///
/// The behavioural columns form the family that decides: their p-values are adjusted together
/// (BH by default), so α bounds the chance of any false alarm over exactly the columns that can
/// raise one. The calendar columns are adjusted among themselves and may be marked `drifted` —
/// a batch from months the reference lacks is worth knowing about — but they never make
/// `critical_drift` true on their own, with one exception: a batch mostly from months the
/// reference has no row of (`unseenMonths` non-empty) is outside the model's experience, and
/// there Month's own test decides too.
struct CalendarDecision {
    let config: DriftConfig

    func decide(_ tested: [ColumnDrift], match: CalendarMatch, referenceRows: Int, currentRows: Int,
                unseenMonths: [Month] = []) -> DriftReport {
        var results = tested
        for family in [results.indices.filter { !results[$0].calendar }, results.indices.filter { results[$0].calendar }] {
            let adjusted = config.correction.adjust(family.map { results[$0].pValue })
            for (index, p) in zip(family, adjusted) {
                results[index].pAdjusted = p
                let significant = p < config.alpha
                let large = config.minEffect.map { results[index].effectSize >= $0 } ?? true
                results[index].drifted = significant && large
            }
        }
        func drifted(calendar: Bool) -> [Column] {
            results.filter { $0.drifted && $0.calendar == calendar }
                .sorted { $0.pAdjusted < $1.pAdjusted || ($0.pAdjusted == $1.pAdjusted && $0.effectSize > $1.effectSize) }
                .map(\.column)
        }
        // The behavioural columns decide; when they do, drifted calendar columns follow them in
        // `drivers` as context ("and it is a month the model never saw").
        let behavioural = drifted(calendar: false)
        let unseenSeason = !unseenMonths.isEmpty && results.contains { $0.column == .month && $0.drifted }
        let critical = !behavioural.isEmpty || unseenSeason
        let drivers = critical ? behavioural + drifted(calendar: true) : []
        return DriftReport(
            criticalDrift: critical, rule: rule(results, match: match, unseenMonths: unseenMonths), drivers: drivers,
            alpha: config.alpha, correction: config.correction, minEffect: config.minEffect,
            referenceRows: referenceRows, currentRows: currentRows, columns: results,
            calendarMatch: match.level, monthsMatched: match.months, referenceRowsCompared: match.sample.rowCount,
            unseenMonths: unseenMonths)
    }

    func rule(_ results: [ColumnDrift], match: CalendarMatch, unseenMonths: [Month] = []) -> String {
        let deciding = results.filter { !$0.calendar }.count
        let calendar = results.filter(\.calendar).map(\.column.name)
        let adjustment = config.correction == .none ? "p" : "\(config.correction.displayName)-adjusted p"
        let features = calendar.isEmpty ? "features" : "behavioural features"
        var rule = "critical_drift when any of \(deciding) \(features) has \(adjustment) < \(config.alpha.formatted)"
        if let minEffect = config.minEffect {
            rule += " and effect ≥ \(minEffect.formatted) (KS D; total variation distance for categories)"
        }
        if !calendar.isEmpty {
            rule += "; calendar features (\(calendar.joined(separator: ", "))) are reported, never deciding"
                + " unless at least half the batch comes from months the reference has no row of"
        }
        if !unseenMonths.isEmpty {
            rule += "; this batch does (\(unseenMonths.map(\.name).joined(separator: ", ")): never seen by the model), so Month decides too"
        }
        switch match.level {
        case .monthAndSpecialDay, .monthAndHoliday, .month:
            let by = match.level.matchedOn
            rule += "; compared with the \(match.sample.rowCount) reference rows of the batch's \(by) (\(match.months.map(\.name).joined(separator: ", ")))"
        case .none where config.calendarMatching:
            rule += "; compared with the whole reference (it has too few rows of the batch's months)"
        case .none:
            break
        }
        rule += "; numeric: two-sample KS (\(config.ksMethod.rawValue)); categorical: \(config.categoricalMethod.summary)"
        return rule
    }
}
