import ArgumentParser
import Foundation
import ShopperDaemon
import ShopperIO
import ShopperNotify
import ShopperStore

/// `shopperd notify status|retry|test`: the notification queue, by hand (the daemon delivers it).
struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Show the notification queue, retry what was given up, send a test message.",
        discussion: """
            The daemon records a notification event with every batch outcome (in the batch's own \
            transaction), a stuck batch, a fatal error and an operator's champion change, and delivers \
            them to the configured channels (notify.email.*, notify.webhooks) in order. See docs/notify.md.
            """,
        subcommands: [NotifyStatusCommand.self, NotifyRetryCommand.self, NotifyTestCommand.self]
    )
}

/// One channel's queue, as `notify status --format json` prints it.
struct ChannelReport: Encodable {
    var channel: String
    var pending: Int
    var retrying: Int
    var sent: Int
    var skipped: Int
    var failed: Int
    var oldestPendingAt: Date?
    var lastSentAt: Date?
    var lastError: String?
    var configuredAt: Date

    init(_ s: NotificationChannelStatus) {
        channel = s.channel
        pending = s.pending
        retrying = s.retrying
        sent = s.sent
        skipped = s.skipped
        failed = s.failed
        oldestPendingAt = s.oldestPendingAt
        lastSentAt = s.lastSentAt
        lastError = s.lastError
        configuredAt = s.addedAt
    }

    enum CodingKeys: String, CodingKey {
        case channel, pending, retrying, sent, skipped, failed
        case oldestPendingAt = "oldest_pending_at"
        case lastSentAt = "last_sent_at"
        case lastError = "last_error"
        case configuredAt = "configured_at"
    }
}

/// A given-up delivery, as `notify status` lists it.
struct GivenUpReport: Encodable {
    var channel: String
    var eventID: Int64
    var attempts: Int
    var error: String?
    var at: Date

    enum CodingKeys: String, CodingKey {
        case channel, attempts, error, at
        case eventID = "event_id"
    }
}

struct NotifyStatusReport: Encodable {
    var channels: [ChannelReport]
    var givenUp: [GivenUpReport]
    var events: Int

    enum CodingKeys: String, CodingKey {
        case channels, events
        case givenUp = "given_up"
    }
}

/// `shopperd notify status`: every channel's queue (reads the store only).
struct NotifyStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each channel's queue: pending, retrying, sent, skipped, given up, the last error (reads the store only).",
        discussion: "Exit status: 0, or 1 when a notification was given up (so a monitoring check can alert); 66 without a store, 74 when it cannot be read."
    )

    @OptionGroup var state: StateOptions

    @Option(help: "Output format: text or json.")
    var format: ReportFormat = .text

    func run() throws {
        let store = try state.openStore()
        let report: NotifyStatusReport
        do {
            let failed = try store.notificationDeliveries(state: .failed)
            report = NotifyStatusReport(
                channels: try store.notificationStatus().map(ChannelReport.init),
                givenUp: failed.map { GivenUpReport(channel: $0.channel, eventID: $0.eventID, attempts: $0.attempts, error: $0.lastError,
                                                    at: $0.updatedAt) },
                events: try store.notificationEventCount())
        } catch {
            throw Terminal.fail(error)
        }
        switch format {
        case .json:
            print(try Terminal.json(report))
        case .text:
            print(Self.text(report))
        }
        if !report.givenUp.isEmpty { throw ExitCode(1) }
    }

    static func text(_ report: NotifyStatusReport) -> String {
        guard !report.channels.isEmpty else {
            return "no channel configured yet (\(report.events) event\(report.events == 1 ? "" : "s") recorded): "
                + "set notify.email.to or notify.webhooks and restart shopperd (docs/notify.md)"
        }
        var lines: [String] = []
        for c in report.channels {
            lines.append("\(c.channel): \(c.pending) pending (\(c.retrying) retrying), \(c.sent) sent, \(c.skipped) skipped, \(c.failed) given up")
            if let oldest = c.oldestPendingAt { lines.append("  oldest pending: \(Terminal.timestamp(oldest))") }
            lines.append("  last sent:      \(c.lastSentAt.map(Terminal.timestamp) ?? "never")")
            if let error = c.lastError { lines.append("  last error:     \(error)") }
        }
        if !report.givenUp.isEmpty {
            lines.append("")
            lines.append("given up (`shopperd notify retry` queues them again):")
            for g in report.givenUp {
                lines.append("  \(g.channel) event \(g.eventID) after \(g.attempts) attempt\(g.attempts == 1 ? "" : "s") at "
                    + "\(Terminal.timestamp(g.at)): \(g.error ?? "")")
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// `shopperd notify retry`: puts given-up notifications back in the queue.
struct NotifyRetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Queue the given-up notifications again (the running daemon sends them within its poll interval, 30 s).",
        discussion: "They go out after the channel's pending ones. Exit status: 0; 66 without a store, 74 when it cannot be written."
    )

    @OptionGroup var state: StateOptions

    @Option(help: ArgumentHelp("Only this channel (email, or webhook:NAME).", valueName: "CHANNEL"))
    var channel: String?

    func run() throws {
        let store = try state.openStore()
        do {
            let count = try store.requeueFailedNotifications(channel: channel)
            print("\(count) notification\(count == 1 ? "" : "s") queued again")
        } catch {
            throw Terminal.fail(error)
        }
    }
}

/// `shopperd notify test`: one test message through every configured channel, now.
struct NotifyTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Send a test message through every configured channel now (not through the queue) and say how each went.",
        discussion: """
            Reads the daemon's settings as `shopperd run` does (--config FILE, or $CONFIGURATION_DIRECTORY/shopperd.json; \
            SHOPPERD_* variables; --set). Exit status: 0 when every channel took the message, 69 when one did not, \
            78 when the settings are invalid or configure no channel.
            """
    )

    @Option(help: ArgumentHelp("JSON configuration file.", valueName: "FILE")) var config: String?
    @Option(name: .customLong("set"), help: ArgumentHelp("Any setting, e.g. --set notify.email.to=ops@example.com (repeatable).",
                                                         valueName: "KEY=VALUE"))
    var overrides: [String] = []

    func run() async throws {
        let settings: DaemonSettings
        do {
            settings = try DaemonConfiguration.load(commandLine: RunCommand.settings(fromOverrides: overrides), configFile: config)
        } catch {
            Terminal.error("shopperd notify test: \(error)")
            throw ExitCode(78)
        }
        guard !settings.notify.isEmpty else {
            Terminal.error("shopperd notify test: no channel configured: set notify.email.to or notify.webhooks (docs/notify.md)")
            throw ExitCode(78)
        }
        let now = Date()
        let notice = Notice(kind: .test, id: Int64(now.timeIntervalSince1970 * 1_000), occurredAt: now, host: HostName.current,
                            batch: nil, rejection: nil,
                            message: "test message from `shopperd notify test`: this channel reaches you", outboxDirectory: settings.outbox)
        var failed = false
        for channel in settings.notify.channels {
            do {
                try await NoticeSender(timeout: settings.notify.timeout).send([notice], digestID: nil, date: now, via: channel)
                print("\(channel.name): sent")
            } catch {
                failed = true
                print("\(channel.name): FAILED: \(error)")
            }
        }
        if failed { throw ExitCode(69) }
    }
}
