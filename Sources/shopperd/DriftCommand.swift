import ArgumentParser
import Foundation
import ShopperCore
import ShopperDrift
import ShopperStore

/// `shopperd drift`: compares a batch with the reference data and prints the verdict.
///
/// The exit status says whether the command worked, not whether the data drifted: 0 with or
/// without drift (read `critical_drift`), 1 when a file cannot be read or is invalid, 64 on a
/// usage error. Scripts branch on the report, so a drifted batch is not mistaken for a failure.
struct DriftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Test a batch of sessions for drift against the reference data.",
        discussion: """
        The batch is compared with the reference rows of its own months (and SpecialDay values) \
        when the reference has them, else with the whole reference. Each of the 17 input \
        features is tested: two-sample Kolmogorov-Smirnov for numeric ones (as \
        scipy.stats.ks_2samp), chi-square of homogeneity for categorical ones (categories with \
        an expected count below 5 pooled). p-values are adjusted for multiple testing; \
        critical_drift is true when any adjusted p-value of the 15 behavioural features is below \
        --alpha (and, with --min-effect, the effect is at least that large); Month and SpecialDay \
        say when, not how, people shop: reported, never deciding. Exit status: 0 whether or not drift is found, \
        1 on unreadable or invalid input, 64 on usage errors. See docs/drift.md.
        """
    )

    enum Correction: String, ExpressibleByArgument, CaseIterable {
        case bh, bonferroni, none
    }

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, html
    }

    @Option(help: ArgumentHelp(
        "The reference: a CSV file, a store version number, or `champion` (the serving model's training rows).",
        valueName: "FILE|VERSION|champion"))
    var reference: String

    @Option(help: ArgumentHelp("The batch to check: a CSV file or a store version number.", valueName: "FILE|VERSION"))
    var current: String

    @OptionGroup var state: StateOptions

    @Option(help: "Level for each adjusted p-value.")
    var alpha: Double = 0.05

    @Option(help: "Multiple-testing correction.")
    var correction: Correction = .bh

    @Option(name: .customLong("min-effect"),
            help: "Also require KS D (numeric) or total variation distance (categorical) of at least this much.")
    var minEffect: Double?

    @Flag(name: .customLong("calendar-blind"),
          help: "Compare with the whole reference and let Month and SpecialDay decide too (the rule before calendar matching).")
    var calendarBlind = false

    @Option(help: "Output format.")
    var format: Format = .text

    @Option(help: "Write the report to this file instead of standard output.")
    var out: String?

    func validate() throws {
        guard alpha > 0, alpha < 1 else { throw ValidationError("--alpha must be strictly between 0 and 1, e.g. 0.05") }
        if let minEffect, !(0...1).contains(minEffect) {
            throw ValidationError("--min-effect must be between 0 and 1 (it is a KS D / total variation distance)")
        }
    }

    func run() throws {
        let referenceSource = DriftSource(reference)
        let currentSource = DriftSource(current)
        let store: ShopperStore? = referenceSource.needsStore || currentSource.needsStore ? try RegistryCLI.openExistingStore(state) : nil
        let referenceSessions = try referenceSource.sessions(store: store, asReference: true)
        let currentSessions = try currentSource.sessions(store: store, asReference: false)
        let config = DriftConfig(
            alpha: alpha,
            correction: MultipleTestingCorrection(rawValue: correction.rawValue) ?? .bh,
            minEffect: minEffect,
            calendarColumns: calendarBlind ? [] : DriftConfig().calendarColumns,
            calendarMatching: !calendarBlind
        )
        let detector = try DriftDetector(config: config)
        let referenceData = DriftReference(sessions: referenceSessions)
        let report = try detector.check(currentSessions, against: referenceData)

        let output: Data
        switch format {
        case .text:
            output = Data(DriftTextReport.render(report).utf8)
        case .json:
            output = try JSONPolicy.encode(report) + Data("\n".utf8)
        case .html:
            let title = "Drift: \(currentSource.label) vs \(referenceSource.label)"
            output = Data(DriftHTMLReport(report: report, reference: referenceData, current: currentSessions, title: title).render().utf8)
        }
        if let out {
            do {
                try output.write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                throw DriftCommandError.cannotWrite(path: out, reason: error.localizedDescription)
            }
        } else {
            FileHandle.standardOutput.write(output)
        }
    }
}

/// Errors of the drift command that are not about the data.
enum DriftCommandError: Error, CustomStringConvertible {
    case cannotWrite(path: String, reason: String)

    var description: String {
        switch self {
        case .cannotWrite(let path, let reason):
            "cannot write the report to \(path): \(reason); check that the directory exists and is writable"
        }
    }
}

/// Where `drift` reads sessions from: a CSV file, a store version, or the champion's training rows.
enum DriftSource {
    case file(String)
    case version(Int)
    case champion

    /// An existing path is a file; otherwise a number is a store version and `champion` the
    /// champion's training window (anything else is a file that will fail to open, with a message).
    init(_ text: String) {
        if FileManager.default.fileExists(atPath: text) {
            self = .file(text)
        } else if let version = Int(text) {
            self = .version(version)
        } else if text == "champion" {
            self = .champion
        } else {
            self = .file(text)
        }
    }

    var needsStore: Bool {
        if case .file = self { return false }
        return true
    }

    var label: String {
        switch self {
        case .file(let path): URL(fileURLWithPath: path).lastPathComponent
        case .version(let version): "store version \(version)"
        case .champion: "the champion's training data"
        }
    }

    func sessions(store: ShopperStore?, asReference: Bool) throws -> [Session] {
        switch self {
        case .file(let path):
            return try BatchReader().read(contentsOf: URL(fileURLWithPath: path)).sessions
        case .version(let version):
            guard let store else { return [] }
            do {
                return try store.sessions(fromVersion: version, throughVersion: version).map(\.session)
            } catch {
                throw Terminal.fail(error)
            }
        case .champion:
            guard let store else { return [] }
            do {
                let record = try store.model(alias: .champion)
                return try store.labelledSessions(fromVersion: record.trainingFromVersion ?? 1, throughVersion: record.trainingStoreVersion)
                    .map(\.session)
            } catch {
                throw Terminal.fail(error)
            }
        }
    }
}
