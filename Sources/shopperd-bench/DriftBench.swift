// Drift benchmarks (release): `shopperd-bench drift` (speed, with scipy side by side through
// bench/compare_drift.py) and `shopperd-bench drift-calibration` (false alarms and power over
// seeded random draws). Both print the Markdown tables quoted in docs/drift.md.
import Foundation
import ShopperCore
import ShopperDrift

enum DriftBench {
    // MARK: - Speed

    /// `shopperd-bench drift [--inputs DIR] [--repeat N]`: KS on 10,000 vs 10,000 values and the
    /// 17-feature report on 10,000 reference vs 2,000 current rows. With `--inputs`, writes the
    /// exact inputs there (float64 files and CSV batches) and the timings as `swift.json`, for
    /// bench/compare_drift.py to time scipy on the same data.
    static func speed(inputs: String?, repeats: Int, data: String) async throws {
        let sessions = try BatchReader().read(contentsOf: URL(fileURLWithPath: data)).sessions
        var generator = SeededGenerator(seed: 2024)

        // KS inputs: continuous (normal, shifted by 0.05) and a real column with ties (bootstrap
        // samples of ProductRelated_Duration).
        let normalX = (0..<10_000).map { _ in gaussian(&generator) }
        let normalY = (0..<10_000).map { _ in gaussian(&generator) + 0.05 }
        let durations = sessions.map(\.productRelatedDuration)
        let tiedX = (0..<10_000).map { _ in durations[Int.random(in: 0..<durations.count, using: &generator)] }
        let tiedY = (0..<10_000).map { _ in durations[Int.random(in: 0..<durations.count, using: &generator)] }
        // Report inputs: bootstrap samples of whole sessions.
        let referenceSessions = (0..<10_000).map { _ in sessions[Int.random(in: 0..<sessions.count, using: &generator)] }
        let currentSessions = (0..<2_000).map { _ in sessions[Int.random(in: 0..<sessions.count, using: &generator)] }

        var results = [String: Timing]()
        var values = [String: [Double]]()
        var sink = 0.0
        for (name, x, y) in [("ks_normal", normalX, normalY), ("ks_ties", tiedX, tiedY)] {
            for method in [KSMethod.auto, .asymp] {
                results["\(name)_\(method.rawValue)"] = try time(repeats) {
                    sink += try KolmogorovSmirnovTest.twoSided(x, y, method: method).pValue
                }
                let result = try KolmogorovSmirnovTest.twoSided(x, y, method: method)
                values["\(name)_\(method.rawValue)"] = [result.statistic, result.pValue]
            }
        }
        let detector = try DriftDetector()
        let reference = DriftReference(sessions: referenceSessions)
        results["reference_build"] = time(max(repeats / 4, 5)) { sink += Double(DriftReference(sessions: referenceSessions).rowCount) }
        results["report_check"] = try time(max(repeats / 4, 5)) {
            sink += try detector.check(currentSessions, against: reference).columns[0].pValue
        }
        results["report_end_to_end"] = try time(max(repeats / 4, 5)) {
            sink += try detector.check(currentSessions, against: DriftReference(sessions: referenceSessions)).columns[0].pValue
        }

        print("| case | median | min |")
        print("|---|---:|---:|")
        for key in results.keys.sorted() {
            print("| \(key) | \(String(format: "%.3f ms", results[key]!.median * 1e3)) | \(String(format: "%.3f ms", results[key]!.minimum * 1e3)) |")
        }
        print("(checksum \(sink))")

        if let inputs {
            let directory = URL(fileURLWithPath: inputs)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for (name, values) in [("ks_normal_x", normalX), ("ks_normal_y", normalY), ("ks_ties_x", tiedX), ("ks_ties_y", tiedY)] {
                try values.withUnsafeBytes { Data($0) }.write(to: directory.appendingPathComponent("\(name).f64"))
            }
            try SessionCSV.encode(referenceSessions, labelled: false).write(to: directory.appendingPathComponent("reference.csv"), atomically: true, encoding: .utf8)
            try SessionCSV.encode(currentSessions, labelled: false).write(to: directory.appendingPathComponent("current.csv"), atomically: true, encoding: .utf8)
            let plain = try DriftDetector(config: DriftConfig(categoricalMethod: .plain, calendarMatching: false)).check(currentSessions, against: reference)
            for column in plain.columns { values["report_\(column.column.name)"] = [column.statistic, column.pValue] }
            let json: [String: Any] = [
                "timings": results.mapValues { ["median_ms": $0.median * 1e3, "min_ms": $0.minimum * 1e3] },
                "values": values,
            ]
            try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .prettyPrinted])
                .write(to: directory.appendingPathComponent("swift.json"))
        }
    }

    struct Timing {
        var median: Double
        var minimum: Double
    }

    /// Runs `body` once to warm up, then `count` times; seconds per run.
    static func time(_ count: Int, _ body: () throws -> Void) rethrows -> Timing {
        try body()
        var samples = [Double]()
        samples.reserveCapacity(count)
        for _ in 0..<count {
            let start = ContinuousClock.now
            try body()
            samples.append(seconds(since: start))
        }
        samples.sort()
        return Timing(median: samples[samples.count / 2], minimum: samples[0])
    }

    /// A standard normal variate (Box–Muller).
    static func gaussian(_ generator: inout SeededGenerator) -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &generator)
        let v = Double.random(in: 0..<1, using: &generator)
        return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v)
    }

    // MARK: - Calibration

    /// The rules compared, all computed from the same per-feature tests of each draw.
    enum Rule: String, CaseIterable {
        case defaults = "defaults: calendar-matched reference, 15 behavioural features decide (BH, pooled chi-square)"
        case calendarBlind = "previous defaults: whole reference, all 17 features decide (BH, pooled chi-square)"
        case bonferroniPooled = "Bonferroni, pooled chi-square (calendar-aware)"
        case bhPlain = "BH, plain chi-square (calendar-aware)"
        case uncorrected = "uncorrected per-feature rule (p < 0.05, plain chi-square, 17 features, whole reference)"
        case halfTheColumns = "half the columns drift (Evidently-style, plain tests, 17 features, whole reference)"
        case bhMonteCarlo = "BH, Monte-Carlo chi-square (999 tables, calendar-aware)"
    }

    struct Tally {
        var alarms = [Rule: Int]()
        var draws = 0

        mutating func record(_ fired: [Rule: Bool]) {
            draws += 1
            for (rule, alarm) in fired {
                alarms[rule, default: 0] += alarm ? 1 : 0
            }
        }

        func rate(_ rule: Rule) -> String? {
            guard let k = alarms[rule], draws > 0 else { return nil }
            let (low, high) = wilson(k, draws)
            return String(format: "%.1f %% (%.1f–%.1f)", 100 * Double(k) / Double(draws), 100 * low, 100 * high)
        }
    }

    /// The detectors of a draw: the defaults, the same rule with plain chi-square, the previous
    /// (calendar-blind) defaults and plain tests, and optionally Monte-Carlo.
    struct Detectors {
        let pooled: DriftDetector
        let plain: DriftDetector
        let blindPooled: DriftDetector
        let blindPlain: DriftDetector
        let monteCarlo: DriftDetector?

        init(monteCarlo: Bool, seed: UInt64) throws {
            pooled = try DriftDetector(config: DriftConfig())
            plain = try DriftDetector(config: DriftConfig(categoricalMethod: .plain))
            blindPooled = try DriftDetector(config: .calendarBlind)
            blindPlain = try DriftDetector(config: DriftConfig(categoricalMethod: .plain, calendarColumns: [], calendarMatching: false))
            self.monteCarlo = monteCarlo
                ? try DriftDetector(config: DriftConfig(categoricalMethod: .monteCarlo(replicates: 999, seed: seed)))
                : nil
        }

        /// Every rule on one draw.
        func all(_ current: [Session], against reference: DriftReference) throws -> [Rule: Bool] {
            let report = try pooled.check(current, against: reference)
            let blind = try blindPlain.check(current, against: reference)
            let alpha = report.alpha
            let deciding = report.columns.filter { !$0.calendar }.map(\.pValue)
            var fired: [Rule: Bool] = [
                .defaults: report.criticalDrift,
                .calendarBlind: try blindPooled.check(current, against: reference).criticalDrift,
                .bonferroniPooled: MultipleTestingCorrection.bonferroni.adjust(deciding).contains { $0 < alpha },
                .bhPlain: try plain.check(current, against: reference).criticalDrift,
                .uncorrected: blind.columns.contains { $0.pValue < alpha },
                .halfTheColumns: 2 * blind.columns.filter { $0.pValue < alpha }.count >= blind.columns.count,
            ]
            if let monteCarlo { fired[.bhMonteCarlo] = try monteCarlo.check(current, against: reference).criticalDrift }
            return fired
        }

        /// The defaults against the previous defaults only (the calendar scenarios).
        func calendar(_ current: [Session], against reference: DriftReference) throws -> [Rule: Bool] {
            [.defaults: try pooled.check(current, against: reference).criticalDrift,
             .calendarBlind: try blindPooled.check(current, against: reference).criticalDrift]
        }
    }

    /// Wilson 95 % interval for k successes in n trials.
    static func wilson(_ k: Int, _ n: Int) -> (Double, Double) {
        let z = 1.959963984540054, nd = Double(n), p = Double(k) / nd
        let centre = (p + z * z / (2 * nd)) / (1 + z * z / nd)
        let half = z / (1 + z * z / nd) * (p * (1 - p) / nd + z * z / (4 * nd * nd)).squareRoot()
        return (max(0, centre - half), min(1, centre + half))
    }

    struct Options {
        var draws = 1000
        var sizes = [200, 1000, 5000]
        var powerSizes = [50, 200]
        var monteCarlo = false
        /// Which scenario groups run: `classic` (random samples, Nov/Dec power), `calendar`
        /// (single months, single weeks).
        var scenarios: Set<String> = ["classic", "calendar"]
        var calendarSizes = [200, 1000]
        var data = "data/online_shoppers_intention.csv"
        var seed: UInt64 = 20_240_601
    }

    static func calibration(_ options: Options) async throws {
        let sessions = try BatchReader().read(contentsOf: URL(fileURLWithPath: options.data)).sessions
        let detectors = try Detectors(monteCarlo: options.monteCarlo, seed: options.seed)
        var generator = SeededGenerator(seed: options.seed)
        print("Drift calibration: \(options.draws) seeded draws per scenario, \(sessions.count) sessions, seed \(options.seed)\n")
        if options.scenarios.contains("classic") {
            try classic(sessions, options: options, detectors: detectors, generator: &generator)
        }
        if options.scenarios.contains("calendar") {
            try DriftCalendarBench.run(sessions, options: options, detectors: detectors, generator: &generator)
        }
    }

    /// Random samples of the data against the rest, and Nov/Dec batches against Feb–Jul.
    static func classic(_ sessions: [Session], options: Options, detectors: Detectors, generator: inout SeededGenerator) throws {
        var stationary = [(String, Tally, Double)]()
        for size in options.sizes {
            let clock = ContinuousClock.now
            var tally = Tally()
            var indices = Array(sessions.indices)
            for _ in 0..<options.draws {
                partialShuffle(&indices, count: size, using: &generator)
                let current = indices[..<size].map { sessions[$0] }
                let reference = DriftReference(sessions: indices[size...].map { sessions[$0] })
                tally.record(try detectors.all(current, against: reference))
            }
            stationary.append(("\(size) rows vs the other \(sessions.count - size)", tally, seconds(since: clock)))
        }

        let referenceMonths: Set<Month> = [.feb, .mar, .apr, .may, .jun, .jul]
        let referenceSessions = sessions.filter { referenceMonths.contains($0.month) }
        let shifted = sessions.filter { $0.month == Month.nov || $0.month == Month.dec }
        // No Nov/Dec in the reference: the defaults compare with the whole reference, and only
        // the 15 behavioural features can decide (Month alone separates the two sides).
        let reference = DriftReference(sessions: referenceSessions)
        var power = [(String, Tally, Double)]()
        for size in options.powerSizes {
            let clock = ContinuousClock.now
            var tally = Tally()
            var indices = Array(shifted.indices)
            for _ in 0..<options.draws {
                partialShuffle(&indices, count: size, using: &generator)
                tally.record(try detectors.all(indices[..<size].map { shifted[$0] }, against: reference))
            }
            power.append(("\(size) Nov/Dec rows", tally, seconds(since: clock)))
        }

        printTable(title: "False alarms on stationary batches (lower is better; target ≤ 5 %)", rows: stationary)
        printTable(title: "Detection power, Nov+Dec batches vs the \(referenceSessions.count) Feb–Jul sessions (higher is better; target ≥ 95 %)", rows: power)
    }

    static func printTable(title: String, rows: [(String, Tally, Double)]) {
        print("### \(title)\n")
        let rules = Rule.allCases.filter { rule in rows.contains { $0.1.alarms[rule] != nil } }
        print("| rule | " + rows.map(\.0).joined(separator: " | ") + " |")
        print("|---|" + rows.map { _ in "---:" }.joined(separator: "|") + "|")
        for rule in rules {
            print("| \(rule.rawValue) | " + rows.map { $0.1.rate(rule) ?? "–" }.joined(separator: " | ") + " |")
        }
        print("\n(rates with Wilson 95 % intervals; \(rows.first?.1.draws ?? 0) draws each; wall time "
              + rows.map { String(format: "%.1f s", $0.2) }.joined(separator: ", ") + ")\n")
    }

    /// Moves a uniform random sample of `count` elements to the front (partial Fisher–Yates).
    static func partialShuffle(_ items: inout [Int], count: Int, using generator: inout SeededGenerator) {
        for i in 0..<count {
            items.swapAt(i, Int.random(in: i..<items.count, using: &generator))
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}
