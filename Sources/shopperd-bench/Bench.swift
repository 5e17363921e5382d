// Benchmarks, run in release: `swift run -c release shopperd-bench <suite> [options]`.
// Each suite lives in its own file and prints the figures docs/benchmarks.md quotes; this file declares the
// command line (swift-argument-parser: `--help` for every suite, and a message, not a backtrace,
// for a bad option or a missing file).
import ArgumentParser
import Foundation
import ShopperCore
import ShopperML

@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shopperd-bench",
        abstract: "shopperd's benchmarks (build with -c release); each prints the figures the docs quote.",
        subcommands: [
            ForestSuite.self, IngestSuite.self, DriftSuite.self, DriftCalibrationSuite.self, DaemonSuite.self, LoadSuite.self,
            PromotionSuite.self, RolloutSuite.self,
        ])
}

/// `--data FILE`, checked before a suite starts: a missing file is a message, not a crash.
struct DataOption: ParsableArguments {
    @Option(help: ArgumentHelp("The bundled data set (run from the package root, or give its path).", valueName: "FILE"))
    var data = "data/online_shoppers_intention.csv"

    func validate() throws {
        guard FileManager.default.isReadableFile(atPath: data) else {
            throw ValidationError("no readable data file at \(data): run from the package root or pass --data FILE")
        }
    }
}

/// A positive count, or a message naming the option.
/// A comma-separated list of positive integers (`--sizes 100,200`), every entry checked.
func positiveIntegers(_ text: String, option name: String) throws -> [Int] {
    let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
        throw ValidationError("--\(name) takes comma-separated positive integers (got \"\(text)\")")
    }
    return values.compactMap { $0 }
}

func requirePositive(_ values: [(String, Int)]) throws {
    for (name, value) in values where value <= 0 {
        throw ValidationError("--\(name) must be a positive integer (got \(value))")
    }
}

struct ForestSuite: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forest",
        abstract: "Fit time, scoring throughput, latency and held-out quality of the random forest (docs/forest.md).",
        discussion: """
            --train FILE --test FILE, or --data FILE split 80/20 (stratified, seed 42); --temporal trains on Feb–Sep and \
            tests on Oct–Dec; --resplits N checks the stored threshold's recall over N random splits.
            """)
    @OptionGroup var dataOption: DataOption
    @Option(help: ArgumentHelp("Training rows (with --test).", valueName: "FILE")) var train: String?
    @Option(help: ArgumentHelp("Test rows (with --train).", valueName: "FILE")) var test: String?
    @Option(help: "Trees per forest.") var trees = 100
    @Option(help: "Fit timings to repeat.") var repeats = 5
    @Flag(help: "Train on Feb–Sep, test on Oct–Dec.") var temporal = false
    @Option(help: ArgumentHelp("Random stratified 80/20 splits to check the threshold rule on.", valueName: "N")) var resplits: Int?
    @Option(name: .customLong("class-weight"), help: "balanced or none.") var classWeight = "balanced"
    @Option(help: "inputs (the 17 inputs) or gold (plus the 8 gold features).") var features = "inputs"
    @Flag(help: "One JSON object (for bench/compare_forest.py).") var json = false

    func validate() throws {
        try requirePositive([("trees", trees), ("repeats", repeats), ("resplits", resplits ?? 1)])
        guard (train == nil) == (test == nil) else { throw ValidationError("give both --train and --test, or neither") }
        for file in [train, test].compactMap({ $0 }) where !FileManager.default.isReadableFile(atPath: file) {
            throw ValidationError("no readable file at \(file)")
        }
        guard ClassWeight(rawValue: classWeight) != nil else { throw ValidationError("--class-weight is balanced or none") }
        guard ["inputs", "gold"].contains(features) else { throw ValidationError("--features is inputs or gold") }
    }

    func run() async throws {
        var options = ForestBenchOptions()
        options.train = train.map { URL(fileURLWithPath: $0) }
        options.test = test.map { URL(fileURLWithPath: $0) }
        options.data = URL(fileURLWithPath: dataOption.data)
        options.trees = trees
        options.repeats = repeats
        options.json = json
        options.temporal = temporal
        options.resplits = resplits
        options.classWeight = ClassWeight(rawValue: classWeight) ?? .balanced
        options.featureSetName = features
        options.features = features == "gold" ? .inputsAndGold() : .inputs
        if options.temporal {
            try await ForestBench.temporal(options)
        } else if let splits = options.resplits {
            try await ForestBench.resplits(splits, options)
        } else {
            try await ForestBench.run(options)
        }
    }
}

struct IngestSuite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Parse + validate, SHA-256 and full ingest speed, on the bundled file and a generated one (docs/ingest.md).")
    @OptionGroup var dataOption: DataOption
    @Option(help: "Rows of the generated file.") var rows = 1_000_000
    @Option(help: "Timed runs per measure (the median is printed).") var runs = 5
    @Option(help: ArgumentHelp("A shopperd binary to time `shopperd ingest` with, as a process.", valueName: "PATH")) var binary: String?
    @Flag(help: "Keep the generated file and print its path.") var keep = false

    func validate() throws { try requirePositive([("rows", rows), ("runs", runs)]) }

    func run() throws {
        var bench = IngestBench()
        bench.dataPath = dataOption.data
        bench.rows = rows
        bench.runs = runs
        bench.binary = binary
        bench.keep = keep
        try bench.run()
    }
}

struct DriftSuite: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "KS and the 17-feature drift report: speed (scipy side by side with bench/compare_drift.py; docs/drift.md).")
    @OptionGroup var dataOption: DataOption
    @Option(help: ArgumentHelp("Write the exact inputs and timings there for bench/compare_drift.py.", valueName: "DIR")) var inputs: String?
    @Option(name: .customLong("repeat"), help: "Repetitions per timing.") var repeats = 200

    func validate() throws { try requirePositive([("repeat", repeats)]) }

    func run() async throws {
        try await DriftBench.speed(inputs: inputs, repeats: repeats, data: dataOption.data)
    }
}

struct DriftCalibrationSuite: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift-calibration",
        abstract: "False alarms and power of the drift decision over seeded random draws (docs/drift.md).")
    @OptionGroup var dataOption: DataOption
    @Option(help: "Draws per scenario.") var draws = 1000
    @Option(help: ArgumentHelp("Batch sizes for the false-alarm rows, comma-separated.", valueName: "N,N,…")) var sizes = "200,1000,5000"
    @Option(name: .customLong("power-sizes"), help: ArgumentHelp("Batch sizes for the power rows.", valueName: "N,N,…")) var powerSizes = "50,200"
    @Flag(name: .customLong("monte-carlo"), help: "Also the Monte Carlo chi-square (slow).") var monteCarlo = false
    @Option(help: "Random seed.") var seed: UInt64 = 20_240_601
    @Option(help: ArgumentHelp("Scenario groups: classic (random samples, Nov/Dec power), calendar (single months and weeks).",
                               valueName: "GROUP,…")) var only = "classic,calendar"
    @Option(name: .customLong("month-sizes"), help: ArgumentHelp("Batch sizes for the single-month rows.", valueName: "N,N,…"))
    var monthSizes = "200,1000"


    func validate() throws {
        try requirePositive([("draws", draws)])
        _ = try positiveIntegers(sizes, option: "sizes")
        _ = try positiveIntegers(powerSizes, option: "power-sizes")
        _ = try positiveIntegers(monthSizes, option: "month-sizes")
        let groups = Set(only.split(separator: ",").map(String.init))
        guard !groups.isEmpty, groups.isSubset(of: ["classic", "calendar"]) else {
            throw ValidationError("--only takes classic, calendar or both, comma-separated (got \"\(only)\")")
        }
    }

    func run() async throws {
        var options = DriftBench.Options()
        options.draws = draws
        options.sizes = try positiveIntegers(sizes, option: "sizes")
        options.powerSizes = try positiveIntegers(powerSizes, option: "power-sizes")
        options.monteCarlo = monteCarlo
        options.data = dataOption.data
        options.seed = seed
        options.scenarios = Set(only.split(separator: ",").map(String.init))
        options.calendarSizes = try positiveIntegers(monthSizes, option: "month-sizes")
        try await DriftBench.calibration(options)
    }
}

struct DaemonSuite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Drop-to-outcome latency and RSS of the real daemon (release build) on stationary and drifting files.")
    @OptionGroup var dataOption: DataOption
    @Option(help: "Stationary unlabelled files.") var files = 200
    @Option(help: "Rows per file.") var rows = 1_000
    @Option(name: .customLong("retrain-files"), help: "Labelled Nov/Dec files, each of which retrains.") var retrainFiles = 30
    @Option(help: ArgumentHelp("The shopperd to run (default: next to this binary).", valueName: "PATH")) var binary: String?
    @Option(help: ArgumentHelp("Write one line per file there.", valueName: "CSV")) var samples: String?
    @Option(name: .customLong("set"), help: ArgumentHelp("Handed to `shopperd run` (repeatable).", valueName: "KEY=VALUE")) var settings: [String] = []
    @Flag(help: "Keep the working directories.") var keep = false

    func validate() throws {
        try requirePositive([("files", files), ("rows", rows)])
        guard retrainFiles >= 0 else { throw ValidationError("--retrain-files must be 0 or more") }
    }

    func run() throws {
        var bench = DaemonBench()
        bench.files = files
        bench.rows = rows
        bench.retrainFiles = retrainFiles
        bench.binary = binary
        bench.dataPath = dataOption.data
        bench.samplesPath = samples
        bench.daemonSettings = settings.flatMap { ["--set", $0] }
        bench.keep = keep
        try bench.run()
    }
}

struct LoadSuite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Many small files through the real daemon, with the machine's inotify queue and a tiny one (root).")
    @OptionGroup var dataOption: DataOption
    @Option(help: "Files in all.") var files = 10_000
    @Option(help: "Files renamed in at a time.") var burst = 1_000
    @Option(help: "Rows per file.") var rows = 3
    @Option(name: .customLong("small-queue"), help: "The tiny inotify queue (0: skip that run).") var smallQueue = 64
    @Option(help: ArgumentHelp("The shopperd to run (default: next to this binary).", valueName: "PATH")) var binary: String?
    @Flag(help: "Keep the working directories.") var keep = false

    func validate() throws {
        try requirePositive([("files", files), ("burst", burst), ("rows", rows)])
        guard smallQueue >= 0 else { throw ValidationError("--small-queue must be 0 or more") }
    }

    func run() throws {
        var bench = LoadBench()
        bench.files = files
        bench.burst = burst
        bench.rows = rows
        bench.smallQueue = smallQueue
        bench.binary = binary
        bench.dataPath = dataOption.data
        bench.keep = keep
        try bench.run()
    }
}
