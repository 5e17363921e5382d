import ArgumentParser
import Foundation
import ShopperCore
import ShopperIO
import ShopperPipeline
import ShopperStore
#if canImport(Glibc)
import Glibc
#endif

/// `shopperd demo`: the whole product in one command, on the bundled data.
///
/// A fresh working directory; the first champion trained on the February–July sessions
/// (`--bootstrap`); the real daemon (this binary's `run`) started as a child process, with a
/// notification socket of our own to know when it is ready; then the later months dropped into its
/// inbox one batch file at a time — some labelled, some not, one broken — exactly as an operator
/// would (written under a dot-name, renamed in). For each batch it prints what the daemon decided,
/// read from the daemon's own outbox report. Nothing is scripted: drift, retraining and promotion
/// come from the data.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the daemon on the bundled data: bootstrap on Feb–Jul, then replay Aug–Dec through a real inbox.")

    @Option(help: ArgumentHelp("The bundled data set (found next to the package by default).", valueName: "FILE"))
    var data: String?
    @Option(help: ArgumentHelp("Working directory (default: a new one under /tmp). Must be empty or absent.", valueName: "DIR"))
    var work: String?
    @Option(help: "Tuning grid for every training: standard (14 candidates) or quick (1). Default: standard in release builds, quick in debug builds.")
    var grid: String?
    @Flag(help: "Print each batch's full drift table.") var verbose = false

    func run() async throws {
        let dataPath = try Self.locateData(data)
        let sessions: [Session]
        do {
            sessions = try BatchReader().read(contentsOf: URL(fileURLWithPath: dataPath)).sessions
        } catch {
            Terminal.error("shopperd demo: \(error)")
            throw CLIExit.noInput
        }
        let workDirectory = try Self.makeWorkDirectory(work)
        let inbox = workDirectory + "/inbox", outbox = workDirectory + "/outbox", state = workDirectory + "/state"
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        let plan = DemoPlan(sessions: sessions)
        try Data(SessionCSV.encode(plan.bootstrap, labelled: true).utf8).write(to: URL(fileURLWithPath: workDirectory + "/bootstrap-feb-jul.csv"))

        say("shopperd demo: working in \(workDirectory)")
        say("  data: \(dataPath) (\(sessions.count) sessions, CC BY 4.0, UCI id 468)")
        say("  bootstrap: \(plan.bootstrap.count) labelled Feb–Jul sessions train the first champion")

        let chosenGrid = grid ?? Self.defaultGrid
        let daemon = try DemoDaemon.start(
            arguments: ["run", "--inbox", inbox, "--outbox", outbox, "--state", state,
                        "--bootstrap", workDirectory + "/bootstrap-feb-jul.csv", "--log-target", "stderr",
                        "--set", "training.grid=\(chosenGrid)", "--set", "rescan-interval-seconds=5"],
            workDirectory: workDirectory)
        defer { daemon.stop() }
        let readyAfter = try daemon.waitUntilReady(timeout: .seconds(600))
        let store = try ShopperStore.open(directory: URL(fileURLWithPath: state))
        // No champion yet (the bootstrap waits for evidence): nothing to announce; each batch's line says what happened.
        if let champion = try? store.model(alias: .champion) {
            say("  champion v\(champion.version) ready after \(Self.seconds(readyAfter)) (daemon pid \(daemon.pid), tuning grid \(chosenGrid))")
        }
        say("")

        var outcomes: [DemoOutcome] = []
        for (index, batch) in plan.batches.enumerated() {
            let started = ContinuousClock.now
            try Self.drop(batch, into: inbox)
            let outcome = try await DemoOutcome.wait(for: batch, outbox: outbox, daemon: daemon, timeout: .seconds(900))
            outcomes.append(outcome)
            say(outcome.describe(index: index + 1, batch: batch, wall: ContinuousClock.now - started, verbose: verbose))
        }

        say("")
        say("daemon STATUS: \(daemon.lastStatus)")
        let exitStatus = daemon.terminate()
        let check = try Self.checkOutcomes(plan.batches, outcomes: outcomes, outbox: outbox, store: store)
        say(try Self.summary(outcomes: outcomes, check: check, store: store, daemonExit: exitStatus, workDirectory: workDirectory))
        if outcomes.contains(where: { $0.isDriftFree == false }) == false || exitStatus != 0 || !check.passed {
            throw ExitCode.failure
        }
    }

    static var defaultGrid: String {
        #if DEBUG
        "quick"
        #else
        "standard"
        #endif
    }

    /// Writes the batch under a dot-name, then renames it in: the daemon never sees half a file.
    static func drop(_ batch: DemoBatch, into inbox: String) throws {
        let temporary = inbox + "/." + batch.fileName + ".tmp"
        try Data(batch.contents.utf8).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, inbox + "/" + batch.fileName) == 0 else {
            throw ValidationError("cannot rename \(temporary) into the inbox: \(ErrnoText.message(errno))")
        }
    }

    /// The bundled data set's file name, in the package's `data/` and in `PREFIX/share/shopperd/`.
    static let dataFileName = "online_shoppers_intention.csv"

    static func locateData(_ given: String?) throws -> String {
        var candidates: [String] = []
        if let given { candidates.append(given) }
        if let environment = ProcessInfo.processInfo.environment["SHOPPERD_DATA"] { candidates.append(environment) }
        candidates.append(FileManager.default.currentDirectoryPath + "/data/" + dataFileName)
        // Installed: the data goes with the binary, PREFIX/bin/shopperd → PREFIX/share/shopperd/
        // (/usr/local/bin → /usr/local/share/shopperd; docs/systemd.md installs it there).
        let executable = URL(fileURLWithPath: SelfExecutable.path).resolvingSymlinksInPath()
        let prefix = executable.deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(prefix.path + "/share/shopperd/" + dataFileName)
        candidates.append("/usr/share/shopperd/" + dataFileName)
        // The package root, seen from .build/<config>/shopperd or .build/<triple>/<config>/shopperd.
        var directory = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            directory.deleteLastPathComponent()
            candidates.append(directory.path + "/data/" + dataFileName)
        }
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) { return found }
        Terminal.error("shopperd demo: the bundled data set was not found (looked at \(candidates.joined(separator: ", "))); "
            + "install it with the binary (install -D -m 0644 data/\(dataFileName) /usr/local/share/shopperd/\(dataFileName)), "
            + "run from the package directory, or pass --data FILE")
        throw CLIExit.noInput
    }

    static func makeWorkDirectory(_ given: String?) throws -> String {
        if let given {
            let existing = FileManager.default.fileExists(atPath: given) ? try FileManager.default.contentsOfDirectory(atPath: given) : []
            guard existing.isEmpty else { throw ValidationError("--work \(given) is not empty; give a new or empty directory") }
            try FileManager.default.createDirectory(atPath: given, withIntermediateDirectories: true)
            return URL(fileURLWithPath: given).standardizedFileURL.path
        }
        var template = Array((NSTemporaryDirectory() + "shopperd-demo-XXXXXX").utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw ValidationError("cannot create a working directory under \(NSTemporaryDirectory())")
        }
        return String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
    }

    /// Proves the closing claim instead of asserting it: the outbox holds exactly each batch's outcome
    /// files (predictions and report; the report alone for a batch `stored` while no champion had
    /// enough evidence; or a rejection) and nothing else, and the store holds one delivered job per
    /// batch.
    static func checkOutcomes(
        _ batches: [DemoBatch], outcomes: [DemoOutcome], outbox: String, store: ShopperStore
    ) throws -> (passed: Bool, sentence: String) {
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: outbox))
        var expected = Set<String>()
        for (batch, outcome) in zip(batches, outcomes) {
            if outcome.rejected {
                expected.insert(batch.stem + ".rejected.json")
            } else {
                expected.insert(batch.stem + ".report.json")
                if let predictions = outcome.report?.predictionsFile { expected.insert(predictions) }
            }
        }
        let jobs = try store.jobs()
        let delivered = jobs.filter { $0.deliveredAt != nil }.count
        let passed = files == expected && jobs.count == batches.count && delivered == batches.count
        if passed {
            return (true, "every batch got exactly one outcome (\(files.count) files in the outbox, \(delivered) delivered jobs in the store)")
        }
        let missing = expected.subtracting(files).sorted(), extra = files.subtracting(expected).sorted()
        return (false, "OUTCOME CHECK FAILED: missing \(missing), unexpected \(extra), \(jobs.count) jobs (\(delivered) delivered) for \(batches.count) batches")
    }

    static func summary(
        outcomes: [DemoOutcome], check: (passed: Bool, sentence: String), store: ShopperStore, daemonExit: Int32, workDirectory: String
    ) throws -> String {
        var lines: [String] = []
        let drifted = outcomes.filter { $0.isDriftFree == false }.count
        let promoted = outcomes.filter { $0.decision == BatchDecision.retrainPromoted.rawValue }.count
        let kept = outcomes.filter { $0.decision == BatchDecision.retrainKept.rawValue }.count
        let rejected = outcomes.filter { $0.rejected }.count
        lines.append("\(outcomes.count) batches: \(drifted) drifted, \(promoted) promotion\(promoted == 1 ? "" : "s"), "
            + "\(kept) challenger\(kept == 1 ? "" : "s") kept out, \(rejected) rejected; \(check.sentence).")
        let history = try store.aliasHistory(.champion)
        lines.append("champion history:")
        for change in history {
            lines.append("  \(Terminal.timestamp(change.changedAt))  → v\(change.toVersion.map(String.init) ?? "-")  \(change.reason)")
        }
        lines.append("daemon stopped with SIGTERM: exit status \(daemonExit)")
        lines.append("")
        lines.append("look around:")
        lines.append("  ls \(workDirectory)/outbox                      predictions, reports, rejections")
        lines.append("  shopperd history --state \(workDirectory)/state     every batch and its decision")
        lines.append("  shopperd models list --state \(workDirectory)/state")
        lines.append("  shopperd performance --state \(workDirectory)/state  realised figures on labelled batches")
        lines.append("  shopperd drift --state \(workDirectory)/state --reference champion --current 2 --format html --out drift.html")
        lines.append("  \(workDirectory)/daemon.log                      the daemon's events (JSON lines)")
        return lines.joined(separator: "\n")
    }

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.1f s", Double(seconds) + Double(attoseconds) / 1e18)
    }
}

/// The demo's batches: what the bundled data looks like arriving month by month.
struct DemoPlan {
    let bootstrap: [Session]
    let batches: [DemoBatch]

    init(sessions: [Session]) {
        let springSummer = sessions.filter { $0.month <= .jul }
        // One in ten Feb–Jul sessions is held back and arrives as the first batch: the same
        // distribution as the training data, so no drift is expected.
        bootstrap = springSummer.enumerated().filter { $0.offset % 10 != 0 }.map(\.element)
        let heldBack = springSummer.enumerated().filter { $0.offset % 10 == 0 }.map(\.element)
        func month(_ m: Month) -> [Session] { sessions.filter { $0.month == m } }
        let november = month(.nov), december = month(.dec)
        var broken = SessionCSV.encode(Array(month(.oct).prefix(40)), labelled: false).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // An export gone wrong: a negative duration on one line.
        broken[7] = broken[7].replacingOccurrences(of: #"^([^,]*),([^,]*)"#, with: "$1,-12.5", options: .regularExpression)
        batches = [
            DemoBatch(fileName: "feb-jul-holdback.csv", sessions: heldBack, labelled: false),
            DemoBatch(fileName: "aug.csv", sessions: month(.aug), labelled: true),
            DemoBatch(fileName: "sep.csv", sessions: month(.sep), labelled: false),
            DemoBatch(fileName: "oct-export.csv", contents: broken.joined(separator: "\n"), rows: 40, labelled: false),
            DemoBatch(fileName: "oct.csv", sessions: month(.oct), labelled: true),
            DemoBatch(fileName: "nov-week1.csv", sessions: Array(november.prefix(1000)), labelled: false),
            DemoBatch(fileName: "nov-rest.csv", sessions: Array(november.dropFirst(1000)), labelled: true),
            DemoBatch(fileName: "dec-first-half.csv", sessions: Array(december.prefix(850)), labelled: false),
            DemoBatch(fileName: "dec-second-half.csv", sessions: Array(december.dropFirst(850)), labelled: true),
        ]
    }
}

struct DemoBatch {
    let fileName: String
    let contents: String
    let rows: Int
    let labelled: Bool

    init(fileName: String, sessions: [Session], labelled: Bool) {
        self.init(fileName: fileName, contents: SessionCSV.encode(sessions, labelled: labelled), rows: sessions.count, labelled: labelled)
    }

    init(fileName: String, contents: String, rows: Int, labelled: Bool) {
        self.fileName = fileName
        self.contents = contents
        self.rows = rows
        self.labelled = labelled
    }

    var stem: String { String(fileName.dropLast(4)) }
}

/// What the daemon wrote for one batch, read back from its outbox.
struct DemoOutcome {
    let rejected: Bool
    let decision: String
    let report: BatchReport?
    let rejection: RejectionReport?
    let predictionsFile: String?

    var isDriftFree: Bool? { report?.drift.map { !$0.criticalDrift } }

    static func wait(for batch: DemoBatch, outbox: String, daemon: DemoDaemon, timeout: Duration) async throws -> DemoOutcome {
        let deadline = ContinuousClock.now + timeout
        let reportPath = outbox + "/" + batch.stem + ".report.json"
        let rejectedPath = outbox + "/" + batch.stem + ".rejected.json"
        while ContinuousClock.now < deadline {
            if let data = FileManager.default.contents(atPath: reportPath) {
                let report = try JSONPolicy.decode(BatchReport.self, from: data)
                return DemoOutcome(rejected: false, decision: report.decision.rawValue, report: report, rejection: nil,
                                   predictionsFile: report.predictionsFile.map { outbox + "/" + $0 })
            }
            if let data = FileManager.default.contents(atPath: rejectedPath) {
                let rejection = try JSONPolicy.decode(RejectionReport.self, from: data)
                return DemoOutcome(rejected: true, decision: "reject", report: nil, rejection: rejection, predictionsFile: nil)
            }
            guard daemon.isRunning else {
                throw ValidationError("the daemon exited while \(batch.fileName) was processed; see \(daemon.logPath)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ValidationError("no outcome for \(batch.fileName) after \(timeout); see \(daemon.logPath)")
    }

    func describe(index: Int, batch: DemoBatch, wall: Duration, verbose: Bool) -> String {
        var lines = ["\(index). \(batch.fileName): \(batch.rows) rows, \(batch.labelled ? "labelled" : "unlabelled")"]
        if let rejection {
            lines.append("   rejected: \(rejection.reason)")
            for issue in rejection.issues.prefix(3) {
                lines.append("     \(issue.location), column \(issue.column), value \"\(issue.value)\": \(issue.reason)")
            }
            lines.append("   original kept in \(rejection.keptAs)")
            return lines.joined(separator: "\n")
        }
        guard let report else { return lines.joined(separator: "\n") }
        if let drift = report.drift {
            if drift.criticalDrift {
                let drivers = drift.drivers.map(\.name)
                let shown = drivers.prefix(5).joined(separator: ", ") + (drivers.count > 5 ? " +\(drivers.count - 5) more" : "")
                lines.append("   drift: YES — \(drivers.count) of \(drift.columns.count) features (\(shown))")
            } else {
                lines.append("   drift: no (\(drift.columns.count) features, smallest adjusted p \(String(format: "%.3f", drift.columns.map(\.pAdjusted).min() ?? 1)))")
            }
            if verbose {
                for column in drift.columns {
                    lines.append(String(format: "     %-24@ %@ p_adj %.3g%@", column.column.name as NSString, column.test.rawValue as NSString,
                                        column.pAdjusted, column.drifted ? "  drifted" : ""))
                }
            }
        }
        if let realised = report.realised {
            let measured = realised.rows.map { $0 < report.rows ? "its \($0) labelled rows" : "these labels" } ?? "these labels"
            lines.append("   champion v\(realised.modelVersion) on \(measured): ROC AUC \(Self.fixed(realised.rocAUC)) "
                + "(validation \(Self.fixed(realised.validationROCAUC))), recall \(Self.fixed(realised.recall)), precision \(Self.fixed(realised.precision))")
        }
        switch report.decision {
        case .retrainPromoted, .retrainKept:
            if let evaluation = report.models.evaluation {
                lines.append("   retrained: challenger v\(report.models.challenger ?? 0) on \(evaluation.trainingRows) rows; "
                    + "\(evaluation.metric.rawValue) on \(evaluation.rows) held-out new rows: challenger \(Self.fixed(evaluation.challenger)) "
                    + "vs champion \(Self.fixed(evaluation.champion))"
                    + (evaluation.pairedTest.map { String(format: ", difference %+.4f (%g %% CI %+.4f … %+.4f, ", $0.difference, $0.confidence * 100,
                                                          $0.intervalLow, $0.intervalHigh) + "\($0.test) one-sided p = " + String(format: "%.3g)", $0.pValueWorse) } ?? "")
                    + " → \(report.decision == .retrainPromoted ? "PROMOTED" : "champion kept")")
            }
        case .scoreAwaitingLabels:
            lines.append("   retraining waits for labelled rows (warning logged)")
        case .retrainFailed:
            lines.append("   retraining failed (warning logged): \(report.reason)")
        case .waitForChampion:
            lines.append("   stored as data, not scored: \(report.reason)")
            return lines.joined(separator: "\n")
        default:
            break
        }
        let flagged: String
        do {
            flagged = String(try String(contentsOfFile: predictionsFile ?? "", encoding: .utf8)
                .split(separator: "\n").dropFirst().filter { $0.contains(",TRUE,") }.count)
        } catch {
            flagged = "? (cannot read \(predictionsFile ?? "the predictions"): \(error))"
        }
        lines.append("   decision \(report.decision.rawValue); scored by v\(report.models.serving ?? 0): \(flagged) of \(report.rows) "
            + "sessions flagged as likely buyers → outbox/\(report.predictionsFile ?? "-")  "
            + "(pipeline \(String(format: "%.0f", report.timingsMS.total)) ms, drop-to-outcome \(DemoCommand.seconds(wall)))")
        return lines.joined(separator: "\n")
    }

    static func fixed(_ value: Double?) -> String {
        value.map { String(format: "%.3f", $0) } ?? "n/a"
    }
}

/// Writes a line to standard output at once (unbuffered, so each batch shows as it happens, also
/// through a pipe).
func say(_ line: String = "") {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
