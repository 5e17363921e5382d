import Foundation
import ShopperTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Notifications end to end: the real daemon, a real `sendmail` (msmtp) relaying to a real SMTP
/// server on loopback (aiosmtpd), and a real HTTP receiver for webhooks, taken down and brought
/// back. `.ci/run` installs msmtp and aiosmtpd (scripts/setup.sh).
@Suite(.serialized) struct DaemonNotifyTests {
    /// A parsed message (Tests/Notify/parse_mail.py: Python's `email` package).
    struct ParsedMail: Decodable {
        var headers: [[String]]
        var header_names: [String]
        var header_block_ascii: Bool
        var bare_lf_in_headers: Bool
        var text: String?
        var html: String?
        var attachments: [Attachment]
        var defects: [String]

        struct Attachment: Decodable {
            var filename: String?
            var type: String
            var content: String
        }

        func header(_ name: String) -> String? { headers.first { $0[0].lowercased() == name.lowercased() }?[1] }

        static func parse(_ raw: String, in scratch: TemporaryDirectory) async throws -> ParsedMail {
            let file = scratch.file("message-\(UUID().uuidString).eml")
            try raw.write(toFile: file, atomically: true, encoding: .utf8)
            let parsed = try await Command.run("/usr/bin/env", ["python3", Command.repositoryRoot + "/Tests/Notify/parse_mail.py", file])
            guard parsed.status == 0 else { throw TestFailure("parse_mail.py failed: \(parsed.stderr)") }
            return try JSONDecoder().decode(ParsedMail.self, from: Data(parsed.stdout.utf8))
        }
    }

    static func emailSettings(_ relay: MailRelay, send: String) -> [String] {
        ["--set", "notify.email.to=ops@example.com", "--set", "notify.email.from=shopperd@example.com",
         "--set", "notify.email.sendmail=\(relay.sendmailSetting)", "--set", "notify.email.send=\(send)",
         "--set", "notify.retry-schedule-seconds=0.2,0.5"]
    }

    static func notifyStatus(_ workspace: DaemonWorkspace) async throws -> [String: Any] {
        let outcome = try await DaemonProcess.run(["notify", "status", "--state", workspace.state, "--format", "json"])
        guard let object = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any] else {
            throw TestFailure("notify status printed no JSON: \(outcome.stdout) \(outcome.stderr)")
        }
        return object
    }

    static func channel(_ status: [String: Any], _ name: String) -> [String: Any]? {
        (status["channels"] as? [[String: Any]])?.first { $0["channel"] as? String == name }
    }

    @Test func aDriftBatchIsMailedThroughRealSendmailWithItsDriftTableAndRoutineOnesAreNot() async throws {
        let workspace = try await DaemonWorkspace.bootstrapped()
        let relay = try await MailRelay.start(in: workspace.scratch)
        let daemon = try await workspace.start(Self.emailSettings(relay, send: "alerts"))
        try workspace.deliver(DaemonBatches.stationary(rows: 300, part: 1), as: "calm.csv")
        #expect(await workspace.waitForOutcome("calm"))
        try workspace.deliver(DaemonBatches.drifted(rows: 300, part: 1), as: "aug.csv")
        #expect(await workspace.waitForOutcome("aug"))
        #expect(await eventually(timeout: .seconds(60)) { relay.messages.count >= 1 })
        #expect(await daemon.waitForEvent("notification-sent") != nil)

        let messages = relay.messages
        #expect(messages.count == 1, "only the drift batch is an alert; the calm one is skipped")
        let message = try #require(messages.first)
        #expect(message.rcptTos == ["ops@example.com"])
        let mail = try await ParsedMail.parse(message.data, in: workspace.scratch)
        #expect(mail.defects.isEmpty)
        #expect(mail.header_block_ascii && !mail.bare_lf_in_headers)
        let subject = try #require(mail.header("Subject"))
        #expect(subject.hasPrefix("[shopperd]") && subject.contains("drift") && subject.contains("aug.csv"), "\(subject)")
        #expect(mail.header("From")?.contains("shopperd@example.com") == true)
        #expect(mail.header("Message-ID") != nil && mail.header("Date") != nil && mail.header("MIME-Version") == "1.0")
        let report = try workspace.report("aug")
        let drifted = try #require(report.drift?.drivers.map(\.name).first)
        #expect(mail.text?.contains(drifted) == true && mail.html?.contains(drifted) == true, "the drift table names \(drifted)")
        #expect(mail.text?.contains(report.decision.rawValue) == true)
        let page = mail.attachments.first { $0.type == "text/html" }
        #expect(page?.filename?.hasSuffix(".html") == true && page?.content.contains("<html") == true, "the HTML drift report is attached")
        #expect(page?.content.contains(drifted) == true)

        let status = try await Self.notifyStatus(workspace)
        let email = try #require(Self.channel(status, "email"))
        #expect(email["sent"] as? Int == 1 && email["skipped"] as? Int == 1 && email["pending"] as? Int == 0)
        daemon.send(SIGTERM)
        #expect(await daemon.exitStatus() == 0)
    }

    @Test func aBatchNamedToInjectAHeaderAddsNoHeaderAndNoRecipient() async throws {
        let workspace = try await DaemonWorkspace.bootstrapped()
        let relay = try await MailRelay.start(in: workspace.scratch)
        let daemon = try await workspace.start(Self.emailSettings(relay, send: "every-batch"))
        let name = "sep\r\nBcc: evil@example.com\r\nSubject: pwned.csv"
        try workspace.deliver(DaemonBatches.stationary(rows: 200, part: 2), as: name)
        #expect(await eventually(timeout: .seconds(90)) { relay.messages.count >= 1 })
        let message = try #require(relay.messages.first)
        #expect(message.rcptTos == ["ops@example.com"], "no Bcc recipient was added")
        let mail = try await ParsedMail.parse(message.data, in: workspace.scratch)
        #expect(!mail.header_names.contains("bcc"))
        #expect(mail.header_names.filter { $0 == "subject" }.count == 1)
        #expect(mail.header_block_ascii && !mail.bare_lf_in_headers)
        let subject = try #require(mail.header("Subject"))
        #expect(!subject.contains("\r") && !subject.contains("\n"))
        #expect(subject.contains("Bcc: evil@example.com"), "the name is shown, as text of the subject: \(subject)")
        daemon.send(SIGTERM)
        #expect(await daemon.exitStatus() == 0)
    }

    @Test func aWebhookOutageDelaysNotificationsThatThenArriveOnceEachInOrder() async throws {
        let workspace = try await DaemonWorkspace.bootstrapped()
        let port = try freeLoopbackPort()
        let sink = try await SinkProcess(script: "webhook_sink.py", directory: workspace.scratch.file("hooks"), port: port)
        let urls = workspace.scratch.file("webhook-urls")
        try FileManager.default.createDirectory(atPath: urls, withIntermediateDirectories: true)
        try "http://127.0.0.1:\(port)/hook/SECRET-PART\n".write(toFile: urls + "/ops", atomically: true, encoding: .utf8)
        chmod(urls + "/ops", 0o600)
        let daemon = try await workspace.start([
            "--set", "notify.webhooks=ops:generic", "--set", "notify.webhook-send=every-batch",
            "--set", "notify.webhook-url-directory=\(urls)", "--set", "notify.retry-schedule-seconds=0.3,0.6",
            "--set", "notify.timeout-seconds=5",
        ])
        for n in 1...2 {
            try workspace.deliver(DaemonBatches.stationary(rows: 100, part: n), as: "b\(n).csv")
            #expect(await workspace.waitForOutcome("b\(n)"))
        }
        #expect(await eventually(timeout: .seconds(60)) { sink.received().count == 2 })

        sink.stop()  // the receiver goes down
        for n in 3...5 {
            try workspace.deliver(DaemonBatches.stationary(rows: 100, part: n), as: "b\(n).csv")
            #expect(await workspace.waitForOutcome("b\(n)"))
        }
        #expect(await eventually(timeout: .seconds(60)) { daemon.events("notification-failed").count >= 2 },
                "the outage is retried, each failure journaled")
        #expect(sink.received().count == 2)
        try await sink.start()  // and comes back
        #expect(await eventually(timeout: .seconds(60)) { sink.received().count >= 5 })
        try await Task.sleep(for: .seconds(1))  // nothing more may come

        let received = sink.received()
        #expect(received.count == 5, "each notification once")
        let bodies = try received.map { try #require(JSONSerialization.jsonObject(with: Data(($0["body"] as? String ?? "").utf8)) as? [String: Any]) }
        let ids = bodies.compactMap { $0["id"] as? Int }
        #expect(ids.count == 5 && ids == ids.sorted() && Set(ids).count == 5, "in order, no repeat: \(ids)")
        let inputs = bodies.compactMap { ($0["batch"] as? [String: Any])?["input"] as? String }
        #expect(inputs == (1...5).map { "b\($0).csv" })
        let keys = received.compactMap { ($0["headers"] as? [String: String])?["Idempotency-Key"] }
        #expect(Set(keys).count == 5)
        // The URL is a secret: never in the journal.
        #expect(!daemon.stderr.contains("SECRET-PART"))
        let failed = try #require(daemon.events("notification-failed").first)
        #expect(failed["NOTIFY_CHANNEL"] == "webhook:ops" && failed["RETRY_IN_MS"] != nil)

        let status = try await Self.notifyStatus(workspace)
        #expect(Self.channel(status, "webhook:ops")?["sent"] as? Int == 5)

        // Caught up, the courier sleeps until a nudge or its poll: an idle daemon uses no CPU.
        let before = try #require(cpuSeconds(of: daemon.pid))
        try await Task.sleep(for: .seconds(3))
        let used = try #require(cpuSeconds(of: daemon.pid)) - before
        #expect(used < 0.5, "an idle daemon used \(used) s of CPU in 3 s")
        daemon.send(SIGTERM)
        #expect(await daemon.exitStatus() == 0)
    }

    @Test func aPermanentRefusalIsGivenUpAtOnceAndRetryQueuesItAgain() async throws {
        let workspace = try await DaemonWorkspace.bootstrapped()
        let port = try freeLoopbackPort()
        let refusing = try await SinkProcess(script: "webhook_sink.py", directory: workspace.scratch.file("hooks"), port: port,
                                             extra: ["404"])
        let urls = workspace.scratch.file("webhook-urls")
        try FileManager.default.createDirectory(atPath: urls, withIntermediateDirectories: true)
        try "http://127.0.0.1:\(port)/hook".write(toFile: urls + "/ops", atomically: true, encoding: .utf8)
        chmod(urls + "/ops", 0o600)
        let daemon = try await workspace.start([
            "--set", "notify.webhooks=ops:slack", "--set", "notify.webhook-send=every-batch",
            "--set", "notify.webhook-url-directory=\(urls)", "--set", "notify.retry-schedule-seconds=0.2",
        ])
        try workspace.deliver(DaemonBatches.stationary(rows: 100, part: 11), as: "first.csv")
        let failed = await daemon.waitForEvent("notification-failed")
        #expect(failed?["RETRY_IN_MS"] == nil, "a 404 is permanent: given up at once, not retried")
        #expect(failed?["ERROR"]?.contains("404") == true)

        let status = try await DaemonProcess.run(["notify", "status", "--state", workspace.state])
        #expect(status.status == 1, "a given-up notification makes status exit 1")
        #expect(status.stdout.contains("given up") && status.stdout.contains("404"))

        refusing.stop()
        let accepting = try await SinkProcess(script: "webhook_sink.py", directory: workspace.scratch.file("hooks"), port: port)
        let retry = try await DaemonProcess.run(["notify", "retry", "--state", workspace.state])
        #expect(retry.status == 0 && retry.stdout.contains("1 notification queued again"))
        try workspace.deliver(DaemonBatches.stationary(rows: 100, part: 12), as: "second.csv")  // wakes the courier
        #expect(await eventually(timeout: .seconds(60)) { accepting.received().count >= 2 })
        let texts = accepting.received().compactMap { $0["body"] as? String }
        #expect(texts.count == 2 && texts[0].contains("first.csv") && texts[1].contains("second.csv"), "the requeued one first")
        daemon.send(SIGTERM)
        #expect(await daemon.exitStatus() == 0)
    }

    @Test func notifyTestSendsThroughEveryChannelAndSaysWhichFailed() async throws {
        let scratch = try TemporaryDirectory("notify-test")
        let relay = try await MailRelay.start(in: scratch)
        let good = try await DaemonProcess.run([
            "notify", "test", "--set", "notify.email.to=ops@example.com", "--set", "notify.email.sendmail=\(relay.sendmailSetting)",
        ])
        #expect(good.status == 0 && good.stdout.contains("email: sent"), "\(good.stdout) \(good.stderr)")
        #expect(relay.messages.count == 1)
        let mail = try await ParsedMail.parse(try #require(relay.messages.first).data, in: scratch)
        #expect(mail.header("Subject")?.contains("test") == true)

        let closed = try freeLoopbackPort()  // nothing listens there
        let urls = scratch.file("urls")
        try FileManager.default.createDirectory(atPath: urls, withIntermediateDirectories: true)
        try "http://127.0.0.1:\(closed)/SECRET".write(toFile: urls + "/down", atomically: true, encoding: .utf8)
        chmod(urls + "/down", 0o600)
        let bad = try await DaemonProcess.run([
            "notify", "test", "--set", "notify.webhooks=down:teams", "--set", "notify.webhook-url-directory=\(urls)",
            "--set", "notify.timeout-seconds=5",
        ])
        #expect(bad.status == 69 && bad.stdout.contains("webhook:down: FAILED"), "\(bad.stdout) \(bad.stderr)")
        #expect(!bad.stdout.contains("SECRET") && !bad.stderr.contains("SECRET"))

        chmod(urls + "/down", 0o644)
        let leaky = try await DaemonProcess.run([
            "notify", "test", "--set", "notify.webhooks=down:teams", "--set", "notify.webhook-url-directory=\(urls)",
        ])
        #expect(leaky.status == 78 && leaky.stderr.contains("chmod 600"), "a URL file others can read is refused: \(leaky.stderr)")
        let none = try await DaemonProcess.run(["notify", "test"])
        #expect(none.status == 78 && none.stderr.contains("no channel configured"))
    }

    /// A webhook receiver on a free port and the settings that point a daemon at it (`generic`
    /// JSON, alerts only).
    static func webhook(in workspace: DaemonWorkspace) async throws -> (SinkProcess, [String]) {
        let port = try freeLoopbackPort()
        let sink = try await SinkProcess(script: "webhook_sink.py", directory: workspace.scratch.file("hooks"), port: port)
        let urls = workspace.scratch.file("webhook-urls")
        try FileManager.default.createDirectory(atPath: urls, withIntermediateDirectories: true)
        try "http://127.0.0.1:\(port)/hook".write(toFile: urls + "/ops", atomically: true, encoding: .utf8)
        chmod(urls + "/ops", 0o600)
        return (sink, ["--set", "notify.webhooks=ops:generic", "--set", "notify.webhook-url-directory=\(urls)",
                       "--set", "notify.retry-schedule-seconds=0.3"])
    }

    static func events(_ sink: SinkProcess) -> [[String: Any]] {
        sink.received().compactMap { try? JSONSerialization.jsonObject(with: Data((($0["body"] as? String) ?? "").utf8)) as? [String: Any] }
    }

    @Test func aStuckBatchIsNotifiedWhileItIsStillRunning() async throws {
        let workspace = try await DaemonWorkspace.bootstrapped()
        let (sink, settings) = try await Self.webhook(in: workspace)
        let daemon = try await workspace.start(DaemonWorkspace.slowTraining + settings + ["--set", "stuck-limit-seconds=2"],
                                               environment: ["WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "0"])
        try workspace.deliver(DaemonBatches.drifted(rows: 300, part: 2), as: "slow.csv")
        #expect(await daemon.waitForEvent("batch-stuck", timeout: .seconds(120)) != nil)
        #expect(await eventually(timeout: .seconds(60)) { Self.events(sink).contains { $0["event"] as? String == "stuck" } })
        let stuck = try #require(Self.events(sink).first { $0["event"] as? String == "stuck" })
        #expect(stuck["alert"] as? Bool == true)
        #expect((stuck["message"] as? String)?.contains("slow.csv") == true, "\(stuck)")
        daemon.send(SIGTERM)
        _ = await daemon.exitStatus(timeout: .seconds(90))
    }

    @Test func aFatalErrorIsNotifiedBeforeTheDaemonExits() async throws {
        let workspace = try await DaemonWorkspace.bootstrapped()
        let (sink, settings) = try await Self.webhook(in: workspace)
        let daemon = try await workspace.start(settings)
        try FileManager.default.removeItem(atPath: workspace.inbox)  // the inbox is gone: the daemon cannot go on
        let status = await daemon.exitStatus(timeout: .seconds(90))
        #expect(status != nil && status != 0, "it exits with a failure")
        let fatal = try #require(Self.events(sink).first { $0["event"] as? String == "fatal" }, "delivered before the exit")
        #expect((fatal["message"] as? String)?.contains("inbox") == true, "\(fatal)")
    }

    @Test func anOperatorsRollbackIsNotifiedByTheNextRun() async throws {
        let workspace = try await DaemonWorkspace.bootstrapped()
        let (sink, settings) = try await Self.webhook(in: workspace)
        // Register the channel, then train a second champion by hand and roll it back.
        _ = try await workspace.runOnce(settings)
        let train = try await DaemonProcess.run(["train", "--state", workspace.state, "--trees", "10",
                                                 "--min-samples-leaf", "5", "--max-features", "sqrt"])
        #expect(train.status == 0, "\(train.stderr)")
        let promote = try await DaemonProcess.run(["models", "promote", "2", "--state", workspace.state, "--reason", "by hand"])
        #expect(promote.status == 0, "\(promote.stderr)")
        let rollback = try await DaemonProcess.run(["models", "rollback", "--state", workspace.state, "--reason", "ci check"])
        #expect(rollback.status == 0, "\(rollback.stderr)")
        _ = try await workspace.runOnce(settings)
        let changes = Self.events(sink).filter { $0["event"] as? String == "model-change" }
        #expect(changes.count == 2, "the promotion and the rollback: \(Self.events(sink))")
        #expect((changes.last?["message"] as? String)?.contains("rollback") == true)
        #expect((changes.last?["message"] as? String)?.contains("ci check") == true)
    }
}
