import Foundation
import Synchronization
import ShopperStore
import ShopperTestSupport
import Testing
@testable import ShopperNotify
#if canImport(Glibc)
import Glibc
#endif

/// The courier's rules on a real store, with a real program as `sendmail` (a script that saves
/// each message, or fails with the exit status it is told), and a clock the test sets.
@Suite struct CourierTests {
    /// A store, a capture directory and a sendmail script that saves stdin there, or exits with the
    /// status in the file `exit` when that file exists.
    final class Rig: @unchecked Sendable {
        let scratch: TemporaryDirectory
        let store: ShopperStore
        let script: String
        private let clock = ClockBox()

        init() throws {
            scratch = try TemporaryDirectory("courier")
            store = try ShopperStore.open(directory: URL(fileURLWithPath: scratch.file("state")))
            try FileManager.default.createDirectory(atPath: scratch.file("mail"), withIntermediateDirectories: true)
            script = scratch.file("sendmail.sh")
            try """
                #!/bin/sh
                if [ -f \(scratch.file("exit")) ]; then cat >/dev/null; exit "$(cat \(scratch.file("exit")))"; fi
                n=$(ls \(scratch.file("mail")) | wc -l)
                cat > \(scratch.file("mail"))/$((n + 1)).eml

                """.write(toFile: script, atomically: true, encoding: .utf8)
            chmod(script, 0o755)
        }

        var now: Date {
            get { clock.value.withLock { $0 } }
            set { clock.value.withLock { $0 = newValue } }
        }

        func failWith(_ status: Int32?) throws {
            if let status {
                try "\(status)".write(toFile: scratch.file("exit"), atomically: true, encoding: .utf8)
            } else {
                try? FileManager.default.removeItem(atPath: scratch.file("exit"))
            }
        }

        /// Each saved message's decoded subject and plain text (Python's `email` package).
        func decoded() async throws -> [(subject: String, text: String)] {
            var result: [(String, String)] = []
            for raw in mails {
                let file = scratch.file("parse-\(UUID().uuidString).eml")
                try raw.write(toFile: file, atomically: true, encoding: .utf8)
                let parsed = try await Command.run("/usr/bin/env", ["python3", Command.repositoryRoot + "/Tests/Notify/parse_mail.py", file])
                let object = try JSONSerialization.jsonObject(with: Data(parsed.stdout.utf8)) as? [String: Any]
                let headers = (object?["headers"] as? [[String]]) ?? []
                result.append((headers.first { $0[0].lowercased() == "subject" }?[1] ?? "", (object?["text"] as? String) ?? ""))
            }
            return result
        }

        var mails: [String] {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: scratch.file("mail"))) ?? [])
                .sorted { Int($0.dropLast(4))! < Int($1.dropLast(4))! }
            return names.compactMap { try? String(contentsOfFile: scratch.file("mail") + "/" + $0, encoding: .utf8) }
        }

        func courier(_ policy: SendPolicy, retry: [Duration] = [.seconds(10), .seconds(60)], giveUp: Duration = .seconds(3_600))
            throws -> NotificationCourier
        {
            var settings = NotificationSettings()
            settings.channels = [NotificationChannel(
                destination: .email(MailSettings(from: "shopperd@example.com", to: ["ops@example.com"]), command: [script]),
                policy: policy)]
            settings.retrySchedule = retry
            settings.giveUpAfter = giveUp
            settings.timeout = .seconds(20)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let clock = self.clock
            let courier = NotificationCourier(store: store, settings: settings, host: "test-host", outbox: nil, calendar: calendar,
                                              now: { clock.value.withLock { $0 } })
            try courier.prepare()
            return courier
        }

        @discardableResult
        func event(_ kind: NotificationKind = .stuck, alerts: [String] = ["stuck"], message: String, at date: Date) throws -> Int64 {
            try store.recordNotificationEvent(NotificationEventDraft(kind: kind, alerts: alerts, message: message, createdAt: date))
        }
    }

    final class ClockBox: Sendable {
        let value = Mutex(Date(timeIntervalSince1970: 1_765_000_000))
    }

    /// 2026-12-`day` at `hour`:`minute` UTC.
    static func day(_ hour: Int, _ minute: Int = 0, on day: Int = 6) -> Date {
        var c = DateComponents()
        (c.year, c.month, c.day, c.hour, c.minute) = (2026, 12, day, hour, minute)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: c)!
    }

    @Test func aTransientFailureHoldsTheChannelAtThatEventUntilItsRetryThenAllGoInOrder() async throws {
        let rig = try Rig()
        rig.now = Self.day(9)
        let courier = try rig.courier(.everyBatch)
        let first = try rig.event(message: "first", at: Self.day(9))
        try rig.event(message: "second", at: Self.day(9))
        try rig.failWith(75)  // EX_TEMPFAIL: the MTA is down
        let retryAt = await courier.deliverDue()
        #expect(retryAt == Self.day(9).addingTimeInterval(10), "the first wait of the schedule")
        #expect(rig.mails.isEmpty)
        let head = try #require(try rig.store.notificationBacklog(channel: "email").first)
        #expect(head.event.id == first && head.delivery?.state == .retrying && head.delivery?.attempts == 1)

        try rig.failWith(nil)  // the MTA is back, but the retry is not due yet: nothing is sent
        rig.now = Self.day(9).addingTimeInterval(5)
        #expect(await courier.deliverDue() == Self.day(9).addingTimeInterval(10))
        #expect(rig.mails.isEmpty, "the second waits behind the first: in order")
        rig.now = Self.day(9).addingTimeInterval(11)
        #expect(await courier.deliverDue() == nil)
        let mails = try await rig.decoded()
        #expect(mails.count == 2)
        #expect(mails.first?.text.contains("first") == true && mails.last?.text.contains("second") == true)
        #expect(try rig.store.notificationBacklog(channel: "email").isEmpty)
    }

    @Test func aPermanentFailureOrAnOldTransientOneIsGivenUpAndTheNextGoesOn() async throws {
        let rig = try Rig()
        rig.now = Self.day(9)
        let courier = try rig.courier(.everyBatch, giveUp: .seconds(3_600))
        let old = try rig.event(message: "old", at: Self.day(7))  // older than the give-up age
        try rig.failWith(75)
        #expect(await courier.deliverDue() == nil)
        #expect(try rig.store.notificationDeliveries(state: .failed).map(\.eventID) == [old])
        #expect(try rig.store.notificationDeliveries(state: .failed).first?.lastError?.contains("given up") == true)

        let unknownUser = try rig.event(message: "no such user", at: Self.day(9))
        try rig.failWith(67)  // EX_NOUSER: permanent
        #expect(await courier.deliverDue() == nil)
        #expect(try rig.store.notificationDeliveries(state: .failed).map(\.eventID) == [old, unknownUser])
        try rig.failWith(nil)
        try rig.event(message: "after", at: Self.day(9))
        await courier.deliverDue()
        let mails = try await rig.decoded()
        #expect(mails.count == 1 && mails.first?.text.contains("after") == true)
    }

    @Test func anAlertsOnlyChannelSkipsRoutineEvents() async throws {
        let rig = try Rig()
        rig.now = Self.day(9)
        let courier = try rig.courier(.alerts)
        try rig.event(.batch, alerts: [], message: "routine", at: Self.day(9))
        try rig.event(.stuck, alerts: ["stuck"], message: "stuck batch", at: Self.day(9))
        try rig.event(.batch, alerts: [], message: "routine again", at: Self.day(9))
        await courier.deliverDue()
        let mails = try await rig.decoded()
        #expect(mails.count == 1 && mails.first?.text.contains("stuck batch") == true)
        let status = try #require(try rig.store.notificationStatus().first)
        #expect(status.sent == 1 && status.skipped == 2 && status.pending == 0)
    }

    @Test func aDailyDigestGoesOutOnceAtItsHourWithEverythingBeforeIt() async throws {
        let rig = try Rig()
        rig.now = Self.day(7)
        let courier = try rig.courier(.dailyDigest(hour: 8))
        for (n, minute) in [10, 20, 30].enumerated() { try rig.event(message: "event \(n)", at: Self.day(9, minute)) }
        rig.now = Self.day(10)
        // The 08:00 digest of today is past and had nothing before it: the next is tomorrow's.
        #expect(await courier.deliverDue() == Self.day(8, on: 7))
        #expect(rig.mails.isEmpty)
        rig.now = Self.day(8, 1, on: 7)
        try rig.event(message: "after the hour", at: Self.day(8, 0, on: 7).addingTimeInterval(30))
        #expect(await courier.deliverDue() == Self.day(8, on: 8), "the event after 08:00 waits for tomorrow's digest")
        let mails = try await rig.decoded()
        #expect(mails.count == 1, "one message for the three events")
        let digest = try #require(mails.first)
        #expect(digest.subject.contains("digest") && digest.subject.contains("3"), "\(digest.subject)")
        #expect((0..<3).allSatisfy { digest.text.contains("event \($0)") })
        #expect(!digest.text.contains("after the hour"))
        #expect(try rig.store.notificationStatus().first?.sent == 3)
        #expect(try rig.store.notificationBacklog(channel: "email").count == 1)
        #expect(await courier.deliverDue() == Self.day(8, on: 8), "nothing more today")
        #expect(rig.mails.count == 1)
    }
}
