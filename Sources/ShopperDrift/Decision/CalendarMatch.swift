import ShopperCore

/// When a session happened, as far as the data tells: its month and its closeness to a holiday
/// (`SpecialDay`). Two sessions with the same key were seen at the same point of the calendar.
public struct CalendarKey: Hashable, Comparable, Sendable, Codable {
    public var month: Month
    public var specialDay: Double

    public init(_ session: Session) {
        month = session.month
        specialDay = session.specialDay
    }

    public static func < (lhs: CalendarKey, rhs: CalendarKey) -> Bool {
        lhs.month != rhs.month ? lhs.month < rhs.month : lhs.specialDay < rhs.specialDay
    }
}

/// How closely the reference rows a batch was compared with match the batch's calendar.
public enum CalendarMatchLevel: String, Sendable, Codable, Equatable {
    /// The reference rows of the batch's (month, SpecialDay) pairs.
    case monthAndSpecialDay = "month_and_special_day"
    /// The reference rows of the batch's months (its SpecialDay values were too rare in them).
    case month
    /// The whole reference: the reference has (too few rows of) none of the batch's months,
    /// or matching is off.
    case none
}

/// The reference rows a batch is compared with, and how they were chosen.
///
/// Why: Month and SpecialDay say *when* people shop, and several behavioural columns follow
/// the calendar too (TrafficType differs by month, bounce and exit rates near a holiday). A
/// May-only batch compared with a Feb–Dec reference "drifts" although nothing changed but the
/// date. Compared with the reference's own May rows, it only drifts if May shoppers changed.
public struct CalendarMatch: Sendable {
    public let level: CalendarMatchLevel
    /// The batch's months that the compared rows come from (empty for `.none`).
    public let months: [Month]
    public let sample: ReferenceSample
}

extension DriftReference {
    /// The finest calendar match with at least `minimumRows` reference rows: the strata with the
    /// batch's (month, SpecialDay) pairs, else those of its months, else the whole reference.
    /// A batch row whose key the reference lacks stays in the batch (it is compared with the
    /// matched rows), so a handful of stray rows cannot switch the comparison off.
    public func calendarMatch(for batch: [Session], minimumRows: Int) -> CalendarMatch {
        let keys = Set(batch.map(CalendarKey.init))
        let months = Set(keys.map(\.month))
        let byKey = strata.filter { keys.contains($0.key) }
        if byKey.reduce(0, { $0 + $1.sample.rowCount }) >= minimumRows {
            return match(.monthAndSpecialDay, byKey)
        }
        let byMonth = strata.filter { months.contains($0.key.month) }
        if byMonth.reduce(0, { $0 + $1.sample.rowCount }) >= minimumRows {
            return match(.month, byMonth)
        }
        return CalendarMatch(level: .none, months: [], sample: whole)
    }

    /// The rows a report was computed against, rebuilt from its level and batch (for charts).
    public func calendarMatch(for batch: [Session], level: CalendarMatchLevel) -> CalendarMatch {
        let keys = Set(batch.map(CalendarKey.init))
        let months = Set(keys.map(\.month))
        switch level {
        case .monthAndSpecialDay: return match(level, strata.filter { keys.contains($0.key) })
        case .month: return match(level, strata.filter { months.contains($0.key.month) })
        case .none: return CalendarMatch(level: .none, months: [], sample: whole)
        }
    }

    private func match(_ level: CalendarMatchLevel, _ chosen: [CalendarStratum]) -> CalendarMatch {
        let months = Set(chosen.map(\.key.month)).sorted()
        // Every stratum matched (a spread-out batch): the prepared whole, nothing to merge.
        let sample = chosen.count == strata.count ? whole : ReferenceSample(merging: chosen.map(\.sample), columns: columns)
        return CalendarMatch(level: level, months: months, sample: sample)
    }
}

/// The reference rows of one calendar key.
struct CalendarStratum: Sendable, Codable {
    var key: CalendarKey
    var sample: ReferenceSample
}
