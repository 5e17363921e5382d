import ArgumentParser
import Foundation
import ShopperCore
import ShopperML
import ShopperPipeline
import ShopperStore

/// `shopperd rollout start|status|stop`: shadow and A/B rollouts decided by a sequential test.
struct RolloutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Start, show or stop a shadow or A/B rollout of a challenger against the champion.",
        discussion: """
            While a rollout runs, every row scored (inbox batches and `shopperd serve`) is scored by both models and \
            kept by prediction id; outcomes join them (labelled rows, a `prediction_id` column in a labelled inbox CSV, \
            POST /v2/feedback). After each batch and every rollout.look-interval-seconds the daemon runs the sequential \
            test: it promotes a better challenger, ends a worse one, and times out to keeping the champion. See docs/rollout.md.
            """,
        subcommands: [RolloutStartCommand.self, RolloutStatusCommand.self, RolloutStopCommand.self]
    )
}

/// A rollout as `rollout status --format json` prints it.
struct RolloutReport: Encodable {
    var id: Int
    var mode: RolloutMode
    var share: Double
    var state: RolloutState
    var championVersion: Int
    var challengerVersion: Int
    var startedAt: Date
    var deadline: Date
    var maxOutcomes: Int
    @ExplicitNull var endedAt: Date?
    @ExplicitNull var verdict: String?
    var reason: String
    var predictions: Int
    var answeredByChallenger: Int
    var outcomes: Int
    var positives: Int
    var duplicateOutcomes: Int
    var unknownOutcomes: Int
    var lateOutcomes: Int
    var looks: Int
    @ExplicitNull var lastLook: SequentialLook?

    init(_ r: RolloutRecord, outcomes: RolloutOutcomes) {
        id = r.id
        mode = r.mode
        share = r.share
        state = r.state
        championVersion = r.championVersion
        challengerVersion = r.challengerVersion
        startedAt = r.startedAt
        deadline = r.deadline
        maxOutcomes = r.maxOutcomes
        endedAt = r.endedAt
        verdict = r.verdict
        reason = r.reason
        predictions = outcomes.predictions
        answeredByChallenger = outcomes.answeredByChallenger
        self.outcomes = outcomes.labels.count
        positives = outcomes.labels.filter { $0 }.count
        duplicateOutcomes = r.duplicateOutcomes
        unknownOutcomes = r.unknownOutcomes
        lateOutcomes = r.lateOutcomes
        looks = r.looks
        lastLook = r.lastLook.flatMap { try? JSONPolicy.decode(SequentialLook.self, from: $0) }
    }

    enum CodingKeys: String, CodingKey {
        case id, mode, share, state, deadline, verdict, reason, predictions, outcomes, positives, looks
        case championVersion = "champion_version"
        case challengerVersion = "challenger_version"
        case startedAt = "started_at"
        case maxOutcomes = "max_outcomes"
        case endedAt = "ended_at"
        case answeredByChallenger = "answered_by_challenger"
        case duplicateOutcomes = "duplicate_outcomes"
        case unknownOutcomes = "unknown_outcomes"
        case lateOutcomes = "late_outcomes"
        case lastLook = "last_look"
    }

    func text() -> String {
        var lines = ["rollout \(id): \(mode == .ab ? "A/B, \(Int((share * 100).rounded())) % to the challenger" : "shadow"), "
                     + "challenger v\(challengerVersion) vs champion v\(championVersion): \(state.rawValue)"]
        lines.append("  started:     \(Terminal.timestamp(startedAt)) (\(reason))")
        if let endedAt { lines.append("  ended:       \(Terminal.timestamp(endedAt))") } else {
            lines.append("  times out:   \(Terminal.timestamp(deadline)) or at \(maxOutcomes) outcomes")
        }
        lines.append("  predictions: \(predictions) (\(answeredByChallenger) answered by the challenger)")
        lines.append("  outcomes:    \(outcomes) joined (\(positives) buyers); \(duplicateOutcomes) duplicate, \(unknownOutcomes) unknown, "
                     + "\(lateOutcomes) late")
        if let lastLook { lines.append("  last look:   \(lastLook.verdict.rawValue): \(RolloutJudge.estimate(lastLook))") }
        if let verdict { lines.append("  verdict:     \(verdict)") }
        return lines.joined(separator: "\n")
    }
}

extension RolloutReport {
    static func load(_ record: RolloutRecord, store: ShopperStore) throws -> RolloutReport {
        do {
            return RolloutReport(record, outcomes: try store.rolloutOutcomes(id: record.id))
        } catch {
            throw Terminal.fail(error)
        }
    }
}

/// `shopperd rollout start V --mode shadow|ab [--share S]`.
struct RolloutStartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a rollout of model version V against the champion (one at a time).",
        discussion: "Exit status: 0; 64 for a bad option, a version that does not exist or is the champion, or a rollout already running; 66 without a store."
    )

    @OptionGroup var state: StateOptions
    @Argument(help: "The challenger's model version (see `shopperd models list`).") var version: Int
    @Option(help: "shadow (the champion answers, the challenger scores unseen) or ab (a share is answered by the challenger).")
    var mode: RolloutMode = .shadow
    @Option(help: "A/B: the share of rows the challenger answers, sticky per session key (default 0.5).") var share: Double?
    @Option(help: "Time out with no verdict after this many joined outcomes; the champion stays.") var maxOutcomes = RolloutSettings().maxOutcomes
    @Option(help: "Time out with no verdict after this many days; the champion stays.") var maxDays = RolloutSettings().maxDays
    @Option(help: "Error bound of the sequential test (promoting a challenger that is not better; ending one that is not worse).")
    var alpha = SequentialSettings.standard.alpha
    @Option(help: "Why, for the registry's alias history.") var reason = "started by the operator"
    @Option(help: "Output format: text or json.") var format: ReportFormat = .text

    func validate() throws {
        if let share, !(share > 0 && share < 1) { throw ValidationError("--share must be strictly between 0 and 1") }
        if share != nil, mode == .shadow { throw ValidationError("--share applies to --mode ab only") }
        guard maxOutcomes >= 20 else { throw ValidationError("--max-outcomes must be at least 20") }
        guard maxDays > 0 else { throw ValidationError("--max-days must be positive") }
        guard alpha > 0, alpha < 0.5 else { throw ValidationError("--alpha must be strictly between 0 and 0.5") }
    }

    func run() throws {
        let store = try state.openStore()
        var settings = RolloutSettings()
        settings.maxOutcomes = maxOutcomes
        settings.maxDays = maxDays
        settings.test.alpha = alpha
        let record: RolloutRecord
        do {
            guard let champion = try store.aliases()[.champion] else { throw StoreError.aliasNotSet(.champion) }
            guard version != champion else {
                Terminal.error("model v\(version) is the champion: a rollout needs another model (see `shopperd models list`)")
                throw CLIExit.notFound
            }
            record = try store.transaction { tx in
                try RolloutControl.start(challenger: version, mode: mode, share: share, settings: settings, reason: reason, in: tx)
            }
        } catch let error as StoreError {
            throw Terminal.fail(error)
        }
        let report = try RolloutReport.load(record, store: store)
        print(format == .json ? try Terminal.json(report) : report.text())
    }
}

/// `shopperd rollout status [--all]`.
struct RolloutStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the running rollout (or the last one): its predictions, outcomes and the sequential test's last look.",
        discussion: "Exit status: 0; 1 when there has never been a rollout; 66 without a store."
    )

    @OptionGroup var state: StateOptions
    @Flag(help: "Every rollout, newest first.") var all = false
    @Option(help: "Output format: text or json.") var format: ReportFormat = .text

    func run() throws {
        let store = try state.openStore()
        let records: [RolloutRecord]
        do {
            records = try store.rollouts(limit: all ? 1_000 : 1)
        } catch {
            throw Terminal.fail(error)
        }
        guard !records.isEmpty else {
            if format == .json { print(all ? "[]" : "null") } else { print("no rollout yet: `shopperd rollout start V` starts one (docs/rollout.md)") }
            throw ExitCode(1)
        }
        let reports = try records.map { try RolloutReport.load($0, store: store) }
        switch format {
        case .json: print(all ? try Terminal.json(reports) : try Terminal.json(reports[0]))
        case .text: print(reports.map { $0.text() }.joined(separator: "\n\n"))
        }
    }
}

/// `shopperd rollout stop`.
struct RolloutStopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop the running rollout: the champion stays, the challenger alias is removed.",
        discussion: "Exit status: 0; 1 when no rollout runs; 66 without a store."
    )

    @OptionGroup var state: StateOptions
    @Option(help: "Why, for the registry's alias history.") var reason = "no reason given"
    @Option(help: "Output format: text or json.") var format: ReportFormat = .text

    func run() throws {
        let store = try state.openStore()
        let stopped: RolloutRecord?
        do {
            stopped = try RolloutControl.stop(store: store, reason: reason)
        } catch let error as StoreError {
            throw Terminal.fail(error)
        }
        guard let stopped else {
            Terminal.error("no rollout is running (see `shopperd rollout status`)")
            throw ExitCode(1)
        }
        let report = try RolloutReport.load(stopped, store: store)
        print(format == .json ? try Terminal.json(report) : report.text())
    }
}

extension RolloutMode: ExpressibleByArgument {}
