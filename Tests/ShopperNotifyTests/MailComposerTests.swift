import Foundation
import ShopperCore
import ShopperDrift
@testable import ShopperNotify
import ShopperPipeline
import ShopperTestSupport
import Testing

@Suite struct MailComposerTests {
    /// The header block of rendered bytes, as text.
    func headerBlock(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        return String(text[..<(text.range(of: "\r\n\r\n")?.lowerBound ?? text.endIndex)])
    }

    @Test func aBatchMailParsesBackAsTextAndHTMLWithTheDriftPageAndReportAttached() async throws {
        let notice = NotifyFixtures.batchNotice()
        let report = try #require(notice.batch)
        let drift = try #require(report.drift)
        let bytes = MailComposer.message(for: notice, settings: NotifyFixtures.settings).rendered()
        let mail = try await ParsedMail.parse(bytes)

        // Structure: mixed { alternative { plain, html }, drift page, report }.
        #expect(mail.root.type == "multipart/mixed")
        let children = try #require(mail.root.parts)
        #expect(children.map(\.type) == ["multipart/alternative", "text/html", "application/json"])
        #expect(children[0].parts?.map(\.type) == ["text/plain", "text/html"])
        #expect(mail.root.leaves.allSatisfy { $0.defects.isEmpty && $0.transferEncoding == "base64" }, "\(mail.root.leaves.map(\.defects))")
        #expect(mail.root.defects.isEmpty)
        #expect(children[0].parts?.allSatisfy { $0.charset == "utf-8" } == true)

        // The subject says the outcome: drifted/tested features, the decision, the input.
        let drifted = drift.columns.filter(\.drifted).count
        #expect(drift.criticalDrift && drifted > 0)
        #expect(mail.subject == "[shopperd] drift \(drifted)/\(drift.columns.count) · v5 promoted · nov.csv")
        #expect(mail.header("From") == ["shopperd@shop-01.example.com"])
        #expect(mail.header("To") == ["ops@example.com, ml-team@example.com"])
        #expect(mail.header("MIME-Version") == ["1.0"])
        #expect(mail.header("Message-ID") == ["<shopperd-41.1772366400@shop-01.example.com>"])
        #expect(mail.header("Date") == ["Sun, 01 Mar 2026 12:00:00 +0000"])
        #expect(mail.header("X-Shopperd-Event") == ["batch"])

        // Text and HTML carry the decision, the drift table, both models' figures, timings, the outbox.
        let text = try #require(children[0].parts?[0].text)
        let html = try #require(children[0].parts?[1].text)
        for needle in ["retrain-promoted", report.reason, "v4", "v5", "0.8634", "0.8123", "0.7712", "5198.0", "/var/lib/shopperd/outbox/nov.report.json",
                       "/var/lib/shopperd/outbox/nov.predictions.csv", try #require(report.models.evaluation?.pairedTest?.summary)] {
            #expect(text.contains(needle), "text lacks \(needle)")
            #expect(html.contains(HTML.escape(needle)), "html lacks \(needle)")
        }
        for column in drift.columns {
            #expect(text.contains(column.column.name))
            #expect(html.contains("<td>\(column.column.name)</td>"))
            #expect(html.contains(HTML.escape(NumberFormat.pValue(column.pAdjusted))))
        }
        // The rule's "<" is escaped in the HTML, as every value.
        #expect(drift.rule.contains("<") && !html.contains(drift.rule) && html.contains(HTML.escape(drift.rule)))

        // The attachments are the drift page itself and the report as the outbox writes it.
        #expect(children[1].filename == "nov.drift.html" && children[1].disposition == "attachment")
        #expect(children[1].text == NotifyFixtures.drift.html)
        #expect(children[2].filename == "nov.report.json")
        #expect(try JSONPolicy.decode(BatchReport.self, from: Data(children[2].bytes)) == report)
    }

    @Test func theRenderedBytesKeepTheLineRulesAndAreStable() throws {
        let message = MailComposer.message(for: NotifyFixtures.batchNotice(), settings: NotifyFixtures.settings)
        let bytes = message.rendered()
        #expect(bytes == MailComposer.message(for: NotifyFixtures.batchNotice(), settings: NotifyFixtures.settings).rendered())
        // CRLF only, every line within 76 characters (base64 bodies) and none near 998.
        var lines: [[UInt8]] = [[]]
        for (index, byte) in bytes.enumerated() {
            if byte == 10 {
                #expect(index > 0 && bytes[index - 1] == 13, "bare LF at \(index)")
                lines.append([])
            } else if byte != 13 {
                lines[lines.count - 1].append(byte)
            }
        }
        #expect(lines.count > 1000, "the drift page makes a long message: \(lines.count) lines")
        #expect(lines.allSatisfy { $0.count <= 78 }, "longest line \(lines.map(\.count).max() ?? 0)")
        #expect(bytes.allSatisfy { $0 < 0x80 }, "7-bit: every body is base64, every header ASCII")
    }

    @Test func anInputNameWithCRLFAndABccLineAddsNoHeader() async throws {
        let hostile = "a.csv\r\nBcc: evil@example.com"
        var notice = NotifyFixtures.batchNotice(input: hostile, attach: false)
        notice.host = "shop-01\r\nBcc: evil2@example.com"
        for notice in [notice, Notice(kind: .rejected, id: 9, occurredAt: notice.occurredAt, host: "h",
                                      rejection: NotifyFixtures.rejection(input: hostile))] {
            let bytes = MailComposer.message(for: notice, settings: NotifyFixtures.settings).rendered()
            let block = headerBlock(bytes)
            #expect(!block.lowercased().contains("\nbcc"), "\(block)")
            #expect(!block.contains("evil"), "the name is encoded, not written raw")
            let mail = try await ParsedMail.parse(bytes)
            #expect(mail.header("Bcc").isEmpty)
            #expect(Set(mail.headers.map { $0[0] }) == ["Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Auto-Submitted",
                                                       "X-Shopperd-Event", "X-Shopperd-Alert", "X-Shopperd-Host", "Content-Type"])
            // The subject decodes back to the name exactly as it arrived.
            #expect(mail.subject.hasSuffix(" · " + hostile), "\(mail.subject)")
            #expect(mail.subject.hasPrefix(notice.kind == .rejected ? "[shopperd] rejected · " : "[shopperd] drift "))
        }
    }

    @Test func aNonASCIINameRoundTripsThroughEncodedWords() async throws {
        let name = "résumé-août-数据-🚀-" + String(repeating: "ü", count: 60) + ".csv"
        let notice = NotifyFixtures.batchNotice(input: name, attach: false)
        let bytes = MailComposer.message(for: notice, settings: NotifyFixtures.settings).rendered()
        let block = headerBlock(bytes)
        let subjectLines = block.components(separatedBy: "\r\n").drop { !$0.hasPrefix("Subject:") }.prefix { $0.hasPrefix("Subject:") || $0.hasPrefix(" ") }
        #expect(subjectLines.count > 2, "a long name takes several encoded-words")
        #expect(subjectLines.allSatisfy { $0.count <= 76 && $0.utf8.allSatisfy { $0 < 0x80 } })
        for word in subjectLines.flatMap({ $0.split(separator: " ") }) where word.hasPrefix("=?") {
            #expect(word.count <= 75 && word.hasPrefix("=?utf-8?B?") && word.hasSuffix("?="))
        }
        let mail = try await ParsedMail.parse(bytes)
        #expect(mail.subject.hasSuffix(" · " + name), "\(mail.subject)")
        let text = try #require(mail.root.parts?[0].parts?[0].text)
        #expect(text.contains(name))
    }

    @Test func aRejectionSaysWhyAndEscapesTheCellsInHTML() async throws {
        let rejection = NotifyFixtures.rejection(input: "bad.csv")
        let notice = Notice(kind: .rejected, id: 42, occurredAt: Date(timeIntervalSince1970: 1_772_366_700), host: "shop-01",
                            rejection: rejection, outboxDirectory: "/srv/outbox")
        #expect(notice.isAlert)
        let mail = try await ParsedMail.parse(MailComposer.message(for: notice, settings: NotifyFixtures.settings).rendered())
        #expect(mail.subject == "[shopperd] rejected · bad.csv")
        let leaves = mail.root.leaves
        #expect(leaves.map(\.type) == ["text/plain", "text/html", "application/json"])
        #expect(leaves[2].filename == "bad.rejected.json")
        #expect(try JSONPolicy.decode(RejectionReport.self, from: Data(leaves[2].bytes)) == rejection)
        for issue in rejection.issues {
            #expect(leaves[0].text.contains(issue.description))
            #expect(leaves[1].text.contains(HTML.escape(issue.description)))
        }
        #expect(!leaves[1].text.contains("<b>2</b>"))
        #expect(leaves[0].text.contains("/srv/outbox/bad.rejected.json"))
    }

    @Test func theDigestCountsBatchesAndAlerts() async throws {
        let date = Date(timeIntervalSince1970: 1_772_409_600)
        var calm = NotifyFixtures.batchNotice(id: 2, input: "calm.csv", attach: false)
        calm.batch?.decision = .score
        calm.batch?.drift = nil
        calm.batch?.realised?.triggered = false
        let notices = [
            NotifyFixtures.batchNotice(id: 1, attach: false),  // alert: drift and promotion
            calm,
            { var other = calm; other.id = 3; other.batch?.input = "calm2.csv"; return other }(),
            Notice(kind: .rejected, id: 4, occurredAt: date, host: "shop-01", rejection: NotifyFixtures.rejection(input: "bad.csv")),
            Notice(kind: .stuck, id: 5, occurredAt: date, host: "shop-01", message: "big.csv has been processing for 31 min"),
        ]
        #expect(notices.map(\.isAlert) == [true, false, false, true, true])
        let message = MailComposer.digest(notices, settings: NotifyFixtures.settings, id: 77, date: date)
        let mail = try await ParsedMail.parse(message.rendered())
        #expect(mail.subject == "[shopperd] daily digest · 4 batches · 3 alerts")
        #expect(mail.header("Message-ID") == ["<shopperd-digest-77.1772409600@shop-01.example.com>"])
        let text = try #require(mail.root.leaves.first?.text)
        for notice in notices { #expect(text.contains(NoticeContent(notice).summary)) }
        #expect(text.contains("big.csv has been processing for 31 min"))
    }

    @Test func settingsRefuseWhatIsNotAPlainAddress() throws {
        #expect(throws: Never.self) { try NotifyFixtures.settings.validate() }
        let bad = ["ops@example.com\r\nBcc: evil@example.com", "Ops <ops@example.com>", "ops", "ops@", "@example.com", "a..b@example.com",
                   "ops@exa mple.com", "ops@example.com, x@example.com", "ops@-example.com", "opś@example.com"]
        for address in bad {
            for settings in [MailSettings(from: address, to: ["ops@example.com"]), MailSettings(from: "s@example.com", to: ["ops@example.com", address])] {
                let error = try #require(throws: MailSettings.Invalid.self) { try settings.validate() }
                #expect(error.description.contains(MailSettings.shown(address)), "\(error)")
                #expect(!error.description.contains("\r") && !error.description.contains("\n"))
            }
        }
        #expect(throws: MailSettings.Invalid.self) { try MailSettings(from: "s@example.com", to: []).validate() }
        #expect(throws: MailSettings.Invalid.self) { try MailSettings(from: "s@example.com", to: ["o@example.com"], subjectPrefix: "[x]\n").validate() }
        for good in ["o.p+s@mail.example.com", "a@localhost", "first_last-1@example.co.uk"] {
            #expect(throws: Never.self) { try MailSettings(from: good, to: [good]).validate() }
        }
    }

    @Test func theDaemonsOwnEventsHaveTheirSubjects() throws {
        let date = Date(timeIntervalSince1970: 1_772_366_400)
        let cases: [(Notice.Kind, String, Bool)] = [(.stuck, "stuck batch", true), (.fatal, "fatal error", true),
                                                    (.modelChange, "model change", true), (.test, "test", false)]
        for (kind, title, alert) in cases {
            let notice = Notice(kind: kind, id: 8, occurredAt: date, host: "h", message: "champion v3 → v2 (rollback)")
            let message = MailComposer.message(for: notice, settings: NotifyFixtures.settings)
            #expect(message.subject == "[shopperd] \(title) · champion v3 → v2 (rollback)")
            #expect(notice.isAlert == alert)
            #expect(message.attachments.isEmpty)
            #expect(message.text.contains("champion v3 → v2 (rollback)"))
        }
    }
}
