import ShopperCore

/// When a session happened, as far as the data tells: its month and its closeness to a holiday
/// (`SpecialDay`). Two sessions with the same key were seen at the same point of the calendar.
package struct CalendarKey: Hashable, Comparable, Sendable, Codable {
    package var month: Month
    package var specialDay: Double

    package init(_ session: Session) {
        month = session.month
        specialDay = session.specialDay
    }

    /// The key with SpecialDay reduced to "near a holiday" (1) or not (0).
    var holiday: CalendarKey {
        var key = self
        key.specialDay = specialDay > 0 ? 1 : 0
        return key
    }

    package static func < (lhs: CalendarKey, rhs: CalendarKey) -> Bool {
        lhs.month != rhs.month ? lhs.month < rhs.month : lhs.specialDay < rhs.specialDay
    }
}

/// How closely the reference rows a batch was compared with match the batch's calendar.
package enum CalendarMatchLevel: String, Sendable, Codable, Equatable {
    /// The reference rows of the batch's (month, SpecialDay) pairs.
    case monthAndSpecialDay = "month_and_special_day"
    /// The reference rows of the batch's months, near a holiday (SpecialDay > 0) or not, as the
    /// batch's rows are (its exact SpecialDay values were too rare in them).
    case monthAndHoliday = "month_and_holiday"
    /// The reference rows of the batch's months (its SpecialDay values were too rare in them).
    case month
    /// The whole reference: the reference has (too few rows of) none of the batch's months,
    /// or matching is off.
    case none
}

extension CalendarMatchLevel {
    /// "month and SpecialDay", "month and holiday or not", "month" (for messages).
    package var matchedOn: String {
        switch self {
        case .monthAndSpecialDay: "month and SpecialDay"
        case .monthAndHoliday: "month and holiday or not"
        case .month: "month"
        case .none: "nothing"
        }
    }
}

/// The reference rows a batch is compared with, and how they were chosen.
///
/// Why: Month and SpecialDay say *when* people shop, and several behavioural columns follow
/// the calendar too (TrafficType differs by month, bounce and exit rates near a holiday). A
/// May-only batch compared with a Feb–Dec reference "drifts" although nothing changed but the
/// date. Compared with the reference's own May rows, it only drifts if May shoppers changed.
package struct CalendarMatch: Sendable {
    package let level: CalendarMatchLevel
    /// The batch's months that the compared rows come from (empty for `.none`).
    package let months: [Month]
    package let sample: ReferenceSample
}

extension DriftReference {
    /// The finest calendar match with at least `minimumRows` reference rows: the strata with the
    /// batch's (month, SpecialDay) pairs, else its months split into days near a holiday or not,
    /// else its months, else the whole reference.
    /// The matched rows are taken in the batch's own calendar mix (``proportional(_:_:)``). A
    /// batch row whose key the reference lacks stays in the batch (it is compared with the
    /// matched rows), so a handful of stray rows cannot switch the comparison off.
    package func calendarMatch(for batch: [Session], minimumRows: Int) -> CalendarMatch {
        let counts = Self.calendarCounts(batch)
        for level in [CalendarMatchLevel.monthAndSpecialDay, .monthAndHoliday, .month] {
            if let match = proportional(level, groups(level, counts)), match.sample.rowCount >= minimumRows { return match }
        }
        return CalendarMatch(level: .none, months: [], sample: whole)
    }

    /// The rows a report was computed against, rebuilt from its level and batch (for charts).
    package func calendarMatch(for batch: [Session], level: CalendarMatchLevel) -> CalendarMatch {
        proportional(level, groups(level, Self.calendarCounts(batch))) ?? CalendarMatch(level: .none, months: [], sample: whole)
    }

    static func calendarCounts(_ batch: [Session]) -> [CalendarKey: Int] {
        var counts = [CalendarKey: Int]()
        for session in batch { counts[CalendarKey(session), default: 0] += 1 }
        return counts
    }

    /// The units whose mix is matched — each (month, SpecialDay) stratum, each month's days near
    /// a holiday or not, or each month (its strata together) — with the batch rows in each.
    func groups(_ level: CalendarMatchLevel, _ counts: [CalendarKey: Int]) -> [(batchRows: Int, strata: [CalendarStratum])] {
        switch level {
        case .monthAndSpecialDay:
            return strata.compactMap { stratum in counts[stratum.key].map { ($0, [stratum]) } }
        case .monthAndHoliday:
            var rows = [CalendarKey: Int]()  // SpecialDay 1 stands for "near a holiday", 0 for not
            for (key, count) in counts { rows[key.holiday, default: 0] += count }
            return rows.keys.sorted().compactMap { unit in
                let chosen = strata.filter { $0.key.holiday == unit }
                return chosen.isEmpty ? nil : (rows[unit]!, chosen)
            }
        case .month:
            var rows = [Month: Int]()
            for (key, count) in counts { rows[key.month, default: 0] += count }
            return rows.keys.sorted().compactMap { month in
                let chosen = strata.filter { $0.key.month == month }
                return chosen.isEmpty ? nil : (rows[month]!, chosen)
            }
        case .none:
            return []
        }
    }

    /// The matched reference rows in the batch's proportions: every group that holds at least 2 %
    /// of the matched batch rows keeps k × (its batch rows) reference rows, k the largest factor
    /// all of them can afford; rarer groups keep at most that many. Why: a batch half March, half
    /// May compared with the union of the reference's March (1,907) and May (3,364) rows would
    /// "drift" because months differ, not shoppers (95 % false alarms measured).
    func proportional(_ level: CalendarMatchLevel, _ groups: [(batchRows: Int, strata: [CalendarStratum])]) -> CalendarMatch? {
        guard level != .none, !groups.isEmpty else { return nil }
        let referenceRows = groups.map { $0.strata.reduce(0) { $0 + $1.sample.rowCount } }
        let matched = groups.reduce(0) { $0 + $1.batchRows }
        let floor = max(1, Int((0.02 * Double(matched)).rounded(.up)))
        let k = groups.indices.filter { groups[$0].batchRows >= floor }
            .map { Double(referenceRows[$0]) / Double(groups[$0].batchRows) }.min()
            ?? groups.indices.map { Double(referenceRows[$0]) / Double(groups[$0].batchRows) }.min()!
        var parts = [ReferenceSample](), months = Set<Month>(), thinnedAny = false
        for (index, group) in groups.enumerated() {
            let target = min(referenceRows[index], Int((k * Double(group.batchRows) + 1e-9).rounded(.down)))
            thinnedAny = thinnedAny || target < referenceRows[index]
            guard target > 0 else { continue }
            let sample = group.strata.count == 1 ? group.strata[0].sample
                : ReferenceSample(merging: group.strata.map(\.sample), columns: columns)
            parts.append(sample.thinned(to: target))
            months.insert(group.strata[0].key.month)
        }
        guard !parts.isEmpty else { return nil }
        // Every stratum kept whole (a spread-out batch): the prepared whole, nothing to merge.
        let all = !thinnedAny && groups.reduce(0) { $0 + $1.strata.count } == strata.count
        let sample = all ? whole : parts.count == 1 ? parts[0] : ReferenceSample(merging: parts, columns: columns)
        return CalendarMatch(level: level, months: months.sorted(), sample: sample)
    }
}

/// The reference rows of one calendar key.
struct CalendarStratum: Sendable, Codable {
    var key: CalendarKey
    var sample: ReferenceSample
}
