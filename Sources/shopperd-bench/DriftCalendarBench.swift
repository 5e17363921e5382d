// `shopperd-bench drift-calibration` (calendar scenarios): false alarms of batches that hold one
// month, one week, or an uneven mix of two months of unchanged behaviour — a feed that delivers
// one month or one day per file. Each draw takes its batch from the bundled data and builds the
// reference from all the other rows (the champion trained on everything but the batch).
import Foundation
import ShopperCore
import ShopperDrift

enum DriftCalendarBench {
    typealias Row = (String, DriftBench.Tally, Double)

    static func run(_ sessions: [Session], options: DriftBench.Options, detectors: DriftBench.Detectors,
                    generator: inout SeededGenerator) throws {
        let months = Set(sessions.map(\.month)).sorted()
        func rows(_ month: Month, _ keep: (Session) -> Bool = { _ in true }) -> [Int] {
            sessions.indices.filter { sessions[$0].month == month && keep(sessions[$0]) }
        }
        func run(_ label: String, _ pools: [([Int], Int)]) throws -> Row {
            let clock = ContinuousClock.now
            let tally = try draws(pools, sessions: sessions, count: options.draws, detectors: detectors, generator: &generator)
            return (label, tally, DriftBench.seconds(since: clock))
        }

        // One month: n of its rows (at most half of them, so the reference keeps the month).
        var single = [Row]()
        for month in months {
            let pool = rows(month)
            var done = Set<Int>()
            for requested in options.calendarSizes {
                let size = min(requested, pool.count / 2)
                guard done.allSatisfy({ abs($0 - size) >= 50 }) else { continue }
                done.insert(size)
                single.append(try run("\(month.name), \(size) of its \(pool.count) rows", [(pool, size)]))
            }
        }

        // One ordinary week: the data has no day column, so a week is a quarter of the month's
        // rows (12/52 of them) drawn from its days away from a holiday (SpecialDay 0).
        var weeks = [Row]()
        for month in months {
            let pool = rows(month) { $0.specialDay == 0 }
            let size = min(Int((Double(rows(month).count) * 12 / 52).rounded()), pool.count / 2)
            weeks.append(try run("\(month.name), ordinary week: \(size) rows with SpecialDay 0", [(pool, size)]))
        }
        // One week before a holiday: SpecialDay climbs 0.2 → 1 over the days before it, so a
        // week is a window of consecutive SpecialDay values; half of those rows form the batch.
        for month in months {
            let values = Set(rows(month).map { sessions[$0].specialDay }.filter { $0 > 0 }).sorted()
            guard values.count >= 3 else { continue }
            for start in 0...(values.count - 3) {
                let window = Set(values[start..<(start + 3)])
                let pool = rows(month) { window.contains($0.specialDay) }
                let label = "\(month.name), holiday week: \(pool.count / 2) rows with SpecialDay \(window.sorted().map { String($0) }.joined(separator: "/"))"
                weeks.append(try run(label, [(pool, pool.count / 2)]))
            }
        }

        // Two months in equal parts, unlike the reference's mix.
        var mixes = [Row]()
        for (first, second) in [(Month.mar, Month.may), (.nov, .dec)] {
            mixes.append(try run("\(first.name) + \(second.name), 500 rows each", [(rows(first), 500), (rows(second), 500)]))
        }

        printTable(title: "False alarms, single-month batches of unchanged behaviour (target ≤ 5 %)", rows: single)
        printTable(title: "False alarms, single-week batches of unchanged behaviour (target ≤ 5 %)", rows: weeks)
        printTable(title: "False alarms, two months in equal parts (target ≤ 5 %)", rows: mixes)
    }

    /// `count` draws: the batch takes `size` random rows of each pool, the reference all the others.
    static func draws(_ pools: [([Int], Int)], sessions: [Session], count: Int, detectors: DriftBench.Detectors,
                      generator: inout SeededGenerator) throws -> DriftBench.Tally {
        var tally = DriftBench.Tally()
        var shuffled = pools.map(\.0)
        for _ in 0..<count {
            var inBatch = [Bool](repeating: false, count: sessions.count)
            var current = [Session]()
            for index in shuffled.indices {
                let size = pools[index].1
                DriftBench.partialShuffle(&shuffled[index], count: size, using: &generator)
                for row in shuffled[index][..<size] where !inBatch[row] {
                    inBatch[row] = true
                    current.append(sessions[row])
                }
            }
            let reference = DriftReference(sessions: sessions.indices.filter { !inBatch[$0] }.map { sessions[$0] })
            tally.record(try detectors.calendar(current, against: reference))
        }
        return tally
    }

    /// One line per scenario: the defaults and the previous defaults side by side.
    static func printTable(title: String, rows: [Row]) {
        print("### \(title)\n")
        print("| batch | defaults (calendar-aware) | previous defaults (calendar-blind) |")
        print("|---|---:|---:|")
        for (label, tally, _) in rows {
            print("| \(label) | \(tally.rate(.defaults) ?? "–") | \(tally.rate(.calendarBlind) ?? "–") |")
        }
        print("\n(rates with Wilson 95 % intervals; \(rows.first?.1.draws ?? 0) draws each; wall time "
              + String(format: "%.1f s", rows.reduce(0) { $0 + $1.2 }) + ")\n")
    }
}
