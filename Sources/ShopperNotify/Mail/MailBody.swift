import Foundation
import ShopperCore
import ShopperDrift

/// The text and HTML parts of a notification mail, both drawn from the same `NoticeContent`.
/// Every value in the HTML is escaped (`HTML.escape`, as the drift page does).
enum MailBody {
    static func text(_ content: NoticeContent, host: String) -> String {
        var lines = [content.headline, ""]
        for section in content.sections {
            lines.append(section.title)
            lines.append(String(repeating: "-", count: section.title.count))
            let width = min(20, section.facts.map(\.name.count).max() ?? 0)
            for fact in section.facts {
                lines.append(fact.name + ":" + String(repeating: " ", count: max(1, width + 2 - fact.name.count)) + fact.value)
            }
            for item in section.items { lines.append("  - " + item) }
            if let drift = section.drift {
                lines.append("")
                lines += DriftTextReport.render(drift).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            }
            lines.append("")
        }
        lines.append("-- ")
        lines.append("shopperd on \(host)")
        return lines.joined(separator: "\n") + "\n"
    }

    static func html(_ content: NoticeContent, host: String) -> String {
        var body = "<h1>\(HTML.escape(content.summary))</h1>\n<p class=\"headline\">\(HTML.escape(content.headline))</p>\n"
        for section in content.sections { body += self.section(section) }
        return page(title: content.summary, body: body, host: host)
    }

    static func digestText(_ notices: [Notice], summary: String, host: String) -> String {
        var lines = [summary, ""]
        let ordered = notices.filter(\.isAlert) + notices.filter { !$0.isAlert }
        for notice in ordered {
            let content = NoticeContent(notice)
            lines.append((notice.isAlert ? "! " : "  ") + JSONPolicy.timestamp(notice.occurredAt) + "  " + content.summary)
        }
        for notice in notices where notice.isAlert {
            let content = NoticeContent(notice)
            lines += ["", content.summary, String(repeating: "-", count: min(72, content.summary.count)), content.headline]
            for fact in content.keyFacts { lines.append("\(fact.name): \(fact.value)") }
        }
        lines += ["", "-- ", "shopperd on \(host)"]
        return lines.joined(separator: "\n") + "\n"
    }

    static func digestHTML(_ notices: [Notice], summary: String, host: String) -> String {
        var body = "<h1>\(HTML.escape(summary))</h1>\n<table>\n<tr><th>time</th><th>alert</th><th>what</th></tr>\n"
        let ordered = notices.filter(\.isAlert) + notices.filter { !$0.isAlert }
        for notice in ordered {
            let content = NoticeContent(notice)
            body += "<tr class=\"\(notice.isAlert ? "alert" : "")\"><td>\(HTML.escape(JSONPolicy.timestamp(notice.occurredAt)))</td>"
                + "<td>\(notice.isAlert ? "yes" : "")</td><td>\(HTML.escape(content.summary))</td></tr>\n"
        }
        body += "</table>\n"
        for notice in notices where notice.isAlert {
            let content = NoticeContent(notice)
            body += "<h2>\(HTML.escape(content.summary))</h2>\n<p>\(HTML.escape(content.headline))</p>\n" + facts(content.keyFacts)
        }
        return page(title: summary, body: body, host: host)
    }

    static func section(_ section: NoticeContent.Section) -> String {
        var html = "<h2>\(HTML.escape(section.title))</h2>\n" + facts(section.facts)
        if !section.items.isEmpty {
            html += "<ul>\n" + section.items.map { "<li><code>\(HTML.escape($0))</code></li>\n" }.joined() + "</ul>\n"
        }
        if let drift = section.drift { html += driftTable(drift) }
        return html
    }

    static func facts(_ facts: [NoticeContent.Fact]) -> String {
        guard !facts.isEmpty else { return "" }
        return "<table class=\"facts\">\n"
            + facts.map { "<tr><th>\(HTML.escape($0.name))</th><td>\(HTML.escape($0.value))</td></tr>\n" }.joined()
            + "</table>\n"
    }

    /// Feature, test, statistic, adjusted p, drifted: drifted features first, as on the drift page.
    static func driftTable(_ drift: DriftReport) -> String {
        var html = "<table class=\"drift\">\n<tr><th>feature</th><th>test</th><th>statistic</th><th>adjusted p</th><th>drifted</th></tr>\n"
        for column in drift.columnsByConcern {
            let drifted = column.drifted ? (column.calendar ? "calendar shift" : "yes") : "no"
            html += "<tr class=\"\(column.drifted ? "drifted" : "")\"><td>\(HTML.escape(column.column.name))</td>"
                + "<td>\(HTML.escape(column.test.rawValue))</td>"
                + "<td class=\"n\">\(HTML.escape(NumberFormat.statistic(column.statistic)))</td>"
                + "<td class=\"n\">\(HTML.escape(NumberFormat.pValue(column.pAdjusted)))</td>"
                + "<td>\(drifted)</td></tr>\n"
        }
        return html + "</table>\n"
    }

    static func page(title: String, body: String, host: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>\(HTML.escape(title))</title>
        <style>\(style)</style>
        </head>
        <body>
        \(body)<p class="footer">shopperd on \(HTML.escape(host))</p>
        </body>
        </html>

        """
    }

    static let style = "body{font-family:sans-serif;font-size:14px;color:#222}h1{font-size:18px}h2{font-size:15px;margin-top:18px}"
        + "table{border-collapse:collapse}th,td{text-align:left;padding:2px 8px;vertical-align:top}table.facts th{color:#555;font-weight:normal}"
        + "table.drift td,table.drift th{border-bottom:1px solid #ddd}tr.drifted,tr.alert{background:#fde8e8}td.n{text-align:right;font-family:monospace}"
        + ".footer{color:#777;font-size:12px}"
}
