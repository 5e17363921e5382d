import Foundation
import ShopperCore
import Testing
@testable import ShopperDrift

@Suite struct DriftHTMLReportTests {
    func render(current: [Session], config: DriftConfig = DriftConfig()) throws -> (DriftReport, String) {
        let referenceSessions = TestData.synthetic(count: 2000, seed: 1)
        let reference = DriftReference(sessions: referenceSessions)
        let report = try DriftDetector(config: config).check(current, against: reference)
        return (report, DriftHTMLReport(report: report, reference: reference, current: current).render())
    }

    @Test func pageHasTheDecisionTheTableAndOneChartPerFeature() throws {
        let (report, html) = try render(current: TestData.synthetic(count: 200, seed: 4, shift: 15) + TestData.synthetic(count: 3, seed: 6, browser: 9))
        #expect(report.criticalDrift)
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains("Critical drift — retrain"))
        #expect(html.contains("Rule: critical_drift when any of 15 behavioural features"))
        #expect(html.components(separatedBy: "<svg ").count - 1 == 17)
        #expect(html.components(separatedBy: "<article ").count - 1 == 17)
        #expect(html.components(separatedBy: "<tr class=").count - 1 == 17)
        // Drifted features come first, in the table and in the charts.
        let articles = html.components(separatedBy: "<article class=\"feature ").dropFirst()
        let driftedFlags = articles.map { $0.hasPrefix("drifted") }
        #expect(driftedFlags == driftedFlags.sorted { $0 && !$1 })
        #expect(articles.first?.contains("id=\"f-\(report.drivers[0].name)\"") == true)
        // The unseen browser is flagged on its chart.
        #expect(html.contains("* not in the reference"))
        // Self-contained: nothing to fetch.
        #expect(!html.contains("<script"))
        #expect(!html.contains("<link"))
        #expect(!html.contains(" src="))
        #expect(!html.contains("url("))
    }

    @Test func aCalendarShiftIsShownApartAndDecidesNothing() throws {
        // 80 of 200 sessions moved to December, a month the reference lacks: under half the batch,
        // so the calendar does not decide (a batch mostly from unseen months would: CalendarDriftTests).
        let batch = TestData.synthetic(count: 200, seed: 2).enumerated().map { index, session in
            var session = session
            if index < 80 { session.month = .dec }
            return session
        }
        let (report, html) = try render(current: batch)
        #expect(!report.criticalDrift)
        #expect(html.contains("No critical drift"))
        #expect(html.contains("Calendar shifted (reported, not deciding): Month."))
        #expect(html.contains("<span class=\"badge shift\">calendar shift</span>"))
        #expect(!html.contains("<span class=\"badge alarm\">drifted</span>"))
    }

    @Test func calmBatchSaysSoAndEscapesText() throws {
        let (report, html) = try render(current: TestData.synthetic(count: 200, seed: 2))
        #expect(!report.criticalDrift)
        #expect(html.contains("No critical drift"))
        #expect(html.contains("None of the 15 behavioural features drifted."))
        // The rule's "<" is escaped.
        #expect(html.contains("adjusted p &lt; 0.05"))
        #expect(html.components(separatedBy: "<svg ").count - 1 == 17)
    }

    @Test func textFormatListsEveryFeatureThenTheDecision() throws {
        let (report, _) = try render(current: TestData.synthetic(count: 200, seed: 2))
        let text = DriftTextReport.render(report)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0].hasPrefix("column"))
        #expect(lines[0].contains("p_adjusted") && lines[0].contains("drifted"))
        #expect(lines[1...17].map { String($0.prefix { $0 != " " }) } == Column.inputs.map(\.name))
        #expect(text.contains("critical_drift: false"))
        #expect(text.contains("rule: critical_drift when any of 15 behavioural features"))
        #expect(text.contains("(calendar: reported, not deciding)"))
    }
}
