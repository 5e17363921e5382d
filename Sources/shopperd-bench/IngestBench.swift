// `shopperd-bench ingest [--data FILE] [--rows N] [--runs R] [--keep]`
//
// Measures, in this process, on one core:
//   1. parse + validate of the bundled file (BatchReader.read, which includes SHA-256 and duplicate
//      flagging), and SHA-256 alone, so the parse+validate share is visible;
//   2. the same on a generated N-row file (default 1,000,000), written deterministically from the
//      bundled rows into a temporary directory;
//   3. full ingest of the generated file into a fresh store: read + all three layers + commit;
//   4. peak RSS (getrusage) after each stage.
import Foundation
import ShopperCore
import ShopperStore

struct IngestBench {
    var dataPath = "data/online_shoppers_intention.csv"
    var rows = 1_000_000
    var runs = 5
    var keep = false
    /// A `shopperd` binary to time as a separate process on the generated file (peak RSS of that
    /// process alone); e.g. `.build/release/shopperd` after `swift build -c release`.
    var binary: String?

    func run() throws {
        let bundled = try Data(contentsOf: URL(fileURLWithPath: dataPath))
        let bundledBytes = [UInt8](bundled)
        print("shopperd-bench ingest — \(ProcessInfo.processInfo.processorCount) cores visible, measured on one")
        print("")
        try measureRead(name: "bundled file", bytes: bundledBytes, runs: max(runs, 20))

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shopperd-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { if !keep { try? FileManager.default.removeItem(at: directory) } }

        let clock = ContinuousClock()
        var generated: [UInt8] = []
        let generation = clock.measure {
            generated = Array(Self.generate(rows: rows, from: bundledBytes).utf8)
        }
        let file = directory.appendingPathComponent("sessions-\(rows).csv")
        try Data(generated).write(to: file)
        print("generated \(rows) rows, \(Self.mb(generated.count)) MB in \(Self.ms(generation)) ms → \(file.path)")
        print("")
        try measureRead(name: "generated \(rows)-row file", bytes: generated, runs: runs)
        generated = []

        // Full ingest: read the file from disk, store all three layers, commit. A fresh store each run.
        var ingestTimes: [Duration] = []
        var readTimes: [Duration] = []
        for run in 0..<min(runs, 3) {
            let stateDirectory = directory.appendingPathComponent("state-\(run)")
            let store = try ShopperStore.open(directory: stateDirectory)
            let start = clock.now
            let batch = try BatchReader().read(contentsOf: file)
            let afterRead = clock.now
            let result = try store.ingest(batch, receivedAt: Date())
            let end = clock.now
            guard result.isNew, result.version.rowCount == rows else { fatalError("ingest did not store \(rows) rows") }
            readTimes.append(afterRead - start)
            ingestTimes.append(end - start)
            try? FileManager.default.removeItem(at: stateDirectory)
        }
        let best = ingestTimes.min()!
        print("full ingest of the \(rows)-row file into a fresh store (read + bronze/silver/gold + commit):")
        print("  best \(Self.seconds(best)) s, median \(Self.seconds(Self.median(ingestTimes))) s "
              + "(read \(Self.seconds(readTimes.min()!)) s, store \(Self.seconds(best - readTimes.min()!)) s) "
              + "→ \(Self.rate(Double(rows), best)) rows/s")
        print("  peak RSS so far: \(Self.peakRSSMegabytes()) MB")

        if let binary { try measureBinary(binary, file: file, directory: directory, runs: min(runs, 3)) }
    }

    /// Runs `shopperd ingest FILE --state fresh` as its own process: wall time and that process's
    /// peak RSS. The peak is the child's `VmHWM` from `/proc/PID/status`, polled while it runs:
    /// `getrusage(RUSAGE_CHILDREN)` would report this (large) benchmark's own RSS, which the child
    /// inherits for the instant between fork and exec.
    func measureBinary(_ binary: String, file: URL, directory: URL, runs: Int) throws {
        let clock = ContinuousClock()
        var times: [Duration] = []
        var peakKilobytes = 0
        for run in 0..<runs {
            let state = directory.appendingPathComponent("binary-state-\(run)")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["ingest", file.path, "--state", state.path]
            process.standardOutput = FileHandle.nullDevice
            let start = clock.now
            try process.run()
            let status = "/proc/\(process.processIdentifier)/status"
            while process.isRunning {
                if let text = try? String(contentsOfFile: status, encoding: .utf8),
                   let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                   let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) {
                    peakKilobytes = max(peakKilobytes, kilobytes)
                }
                usleep(5_000)
            }
            process.waitUntilExit()
            times.append(clock.now - start)
            guard process.terminationStatus == 0 else { throw DaemonBench.Failure("\(binary) ingest failed") }
            try? FileManager.default.removeItem(at: state)
        }
        print("")
        print("`\(binary) ingest` of the \(rows)-row file into a fresh state directory, as a separate process:")
        print("  best \(Self.seconds(times.min()!)) s, median \(Self.seconds(Self.median(times))) s, "
              + "peak RSS \(peakKilobytes / 1024) MB (VmHWM)")
    }

    /// Times `BatchReader.read` and SHA-256 alone on `bytes`; prints best and median.
    func measureRead(name: String, bytes: [UInt8], runs: Int) throws {
        let clock = ContinuousClock()
        var readTimes: [Duration] = []
        var hashTimes: [Duration] = []
        var duplicateTimes: [Duration] = []
        var rowCount = 0
        for _ in 0..<runs {
            var batch: ParsedBatch?
            readTimes.append(try clock.measure { batch = try BatchReader().read(bytes: bytes, fileName: name) })
            rowCount = batch!.rowCount
            hashTimes.append(clock.measure { _ = bytes.withUnsafeBytes { SHA256.hex(of: $0) } })
            duplicateTimes.append(clock.measure { _ = DuplicateFinder.duplicateOfLine(sessions: batch!.sessions, lines: batch!.lines) })
        }
        let read = readTimes.min()!
        let hash = hashTimes.min()!
        let parse = read - hash
        let size = Double(bytes.count)
        print("\(name): \(Self.mb(bytes.count)) MB, \(rowCount) rows, best of \(runs)")
        print("  read on one thread (parse + validate + SHA-256 + duplicate flags): \(Self.ms(read)) ms (median \(Self.ms(Self.median(readTimes))) ms)"
              + " → \(Self.rate(size / 1e6, read)) MB/s, \(Self.rate(Double(rowCount), read)) rows/s")
        print("  of which SHA-256 (libcrypto): \(Self.ms(hash)) ms → \(Self.rate(size / 1e6, hash)) MB/s")
        print("  of which duplicate flagging: \(Self.ms(duplicateTimes.min()!)) ms")
        print("  parse + validate without hashing: \(Self.ms(parse)) ms → \(Self.rate(size / 1e6, parse)) MB/s, "
              + "\(Self.rate(Double(rowCount), parse)) rows/s")
        print("  peak RSS so far: \(Self.peakRSSMegabytes()) MB")
        print("")
    }

    /// A deterministic batch of `rows` rows: the bundled rows in order, cycled; each cycle adds
    /// 0.25 s × cycle to ProductRelated_Duration so rows stay distinct (like real traffic, unlike a
    /// file of copies) while keeping the published value distributions' shape and the file's width.
    static func generate(rows: Int, from bundled: [UInt8]) -> String {
        let source = try! BatchReader().read(bytes: bundled, fileName: "bundled").sessions
        var sessions: [Session] = []
        sessions.reserveCapacity(rows)
        for index in 0..<rows {
            var session = source[index % source.count]
            session.productRelatedDuration += 0.25 * Double(index / source.count)
            sessions.append(session)
        }
        return SessionCSV.encode(sessions, labelled: true)
    }

    static func median(_ values: [Duration]) -> Duration { values.sorted()[values.count / 2] }
    static func seconds(_ d: Duration) -> String { String(format: "%.3f", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18) }
    static func ms(_ d: Duration) -> String { String(format: "%.1f", (Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18) * 1000) }
    static func mb(_ bytes: Int) -> String { String(format: "%.1f", Double(bytes) / 1e6) }
    static func rate(_ amount: Double, _ d: Duration) -> String {
        let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        return String(format: "%.0f", amount / s)
    }

    static func peakRSSMegabytes() -> String {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return String(format: "%.0f", Double(usage.ru_maxrss) / 1024)  // Linux: kilobytes
    }
}
