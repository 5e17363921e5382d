import ShopperCore

/// The `html` format: one self-contained page (inline CSS and SVG, nothing fetched) with the
/// decision on top, the per-feature table, and for every feature the reference and current
/// distributions — drifted features first — as users of drift tools such as Evidently expect.
package struct DriftHTMLReport {
    package let report: DriftReport
    package let reference: DriftReference
    package let current: [Session]
    package var title: String
    /// The reference rows the report compared the batch with (its calendar match).
    let compared: ReferenceSample

    package init(report: DriftReport, reference: DriftReference, current: [Session], title: String = "Drift report") {
        self.report = report
        self.reference = reference
        self.current = current
        self.title = title
        compared = reference.calendarMatch(for: current, level: report.calendarMatch).sample
    }

    package func render() -> String {
        var html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape(title))</title>
        <style>\(Self.style)</style>
        </head>
        <body>
        <main>

        """
        html += decision()
        html += table()
        html += "<section class=\"features\">\n<h2>Distributions, reference vs current</h2>\n"
        for result in report.columnsByConcern { html += feature(result) }
        html += "</section>\n<footer>shopperd drift · KS as scipy.stats.ks_2samp, chi-square as scipy.stats.chi2_contingency · this page is self-contained</footer>\n</main>\n</body>\n</html>\n"
        return html
    }

    func decision() -> String {
        let deciding = report.columns.filter { !$0.calendar }.count
        let behavioural = report.columns.filter { !$0.calendar && $0.drifted }.map(\.column.name)
        let verdict = report.criticalDrift ? "Critical drift — retrain" : "No critical drift"
        var summary = report.criticalDrift
            ? "\(behavioural.count) of \(deciding) behavioural features drifted: \(behavioural.joined(separator: ", "))."
            : "None of the \(deciding) behavioural features drifted."
        let calendar = report.columns.filter { $0.calendar && $0.drifted }.map(\.column.name)
        if !calendar.isEmpty { summary += " Calendar shifted (reported, not deciding): \(calendar.joined(separator: ", "))." }
        let correction = report.correction.displayName
        let floor = report.minEffect.map { " · effect floor \($0.formatted)" } ?? ""
        return """
        <header class="decision \(report.criticalDrift ? "alarm" : "calm")">
        <div class="verdict">\(HTML.escape(verdict))</div>
        <p class="summary">\(HTML.escape(summary))</p>
        <p class="facts">reference \(HTML.escape(DriftTextReport.comparedClause(report))) · current \(report.currentRows) rows · α = \(report.alpha.formatted) · \(HTML.escape(correction))\(HTML.escape(floor))</p>
        <p class="rule">Rule: \(HTML.escape(report.rule))</p>
        </header>

        """
    }

    func table() -> String {
        var rows = ""
        for result in report.columnsByConcern {
            var notes = (result.unseenCategories ?? []).isEmpty ? "" : " <span class=\"note\">new: \(HTML.escape(result.unseenCategories!.joined(separator: ", ")))</span>"
            if result.calendar { notes += " <span class=\"cal\">calendar</span>" }
            rows += """
            <tr class="\(result.drifted ? "drifted" : "")"><td><a href="#f-\(result.column.name)">\(result.column.name)</a>\(notes)</td>\
            <td>\(result.kind.rawValue)</td><td>\(result.test.rawValue)</td>\
            <td class="n">\(NumberFormat.statistic(result.statistic))</td>\
            <td class="n">\(HTML.escape(NumberFormat.pValue(result.pValue)))</td>\
            <td class="n">\(HTML.escape(NumberFormat.pValue(result.pAdjusted)))</td>\
            <td class="n">\(NumberFormat.c("%.3f", result.effectSize))</td>\
            <td>\(Self.badge(result))</td></tr>

            """
        }
        return """
        <section>
        <h2>Features</h2>
        <table>
        <thead><tr><th>column</th><th>kind</th><th>test</th><th class="n">statistic</th><th class="n">p-value</th><th class="n">adjusted p</th><th class="n">effect</th><th>drifted</th></tr></thead>
        <tbody>
        \(rows)</tbody>
        </table>
        <p class="legend">effect: KS D for numeric features, total variation distance for categorical ones. Calendar features say when, not how, people shop: reported, never deciding.</p>
        </section>

        """
    }

    func feature(_ result: ColumnDrift) -> String {
        let chart: String
        var details: String
        if result.kind == .numeric {
            chart = FeatureChart.numeric(result: result, reference: compared.sortedValues(result.column),
                                         current: current.map { $0.numericValue(result.column) })
            details = "KS D = \(NumberFormat.c("%.4f", result.statistic)) (\(result.method?.rawValue ?? "") p-value)"
        } else {
            let referenceCounts = compared.categoryCounts(result.column)
            let currentCounts = CategoryCounts(current, column: result.column)
            let labels = CategoryCounts.unionOfLabels(referenceCounts, currentCounts)
            chart = FeatureChart.categorical(result: result, labels: labels, reference: labels.map(referenceCounts.count),
                                             current: labels.map(currentCounts.count))
            details = "χ² = \(NumberFormat.statistic(result.statistic)), dof \(result.degreesOfFreedom ?? 0), total variation \(NumberFormat.c("%.3f", result.effectSize))"
            if let pooled = result.pooledCategories, !pooled.isEmpty { details += "; pooled: \(pooled.joined(separator: ", "))" }
            if let unseen = result.unseenCategories, !unseen.isEmpty { details += "; not in the reference: \(unseen.joined(separator: ", "))" }
        }
        let pValues = "<span class=\"nw\">\(HTML.escape(Self.pClause("p", result.pValue)))</span> · <span class=\"nw\">\(HTML.escape(Self.pClause("adjusted p", result.pAdjusted)))</span>"
        return """
        <article class="feature \(result.drifted ? "drifted" : "")" id="f-\(result.column.name)">
        <h3>\(result.column.name) \(Self.badge(result))</h3>
        <p class="details">\(HTML.escape(details)) · \(pValues)</p>
        \(chart)
        </article>

        """
    }

    /// A calendar column that moved is shown apart from a behavioural drift: it decided nothing.
    static func badge(_ result: ColumnDrift) -> String {
        switch (result.drifted, result.calendar) {
        case (true, false): "<span class=\"badge alarm\">drifted</span>"
        case (true, true): "<span class=\"badge shift\">calendar shift</span>"
        default: "<span class=\"badge calm\">ok</span>"
        }
    }

    /// "p = 0.0123", or "p < 1e-300" when the p-value underflowed to 0.
    static func pClause(_ name: String, _ p: Double) -> String {
        p == 0 ? "\(name) \(NumberFormat.pValue(p))" : "\(name) = \(NumberFormat.pValue(p))"
    }

    static let style = """
    :root{color-scheme:light}*{box-sizing:border-box}body{margin:0;background:#f3f4f7;color:#1f2430;\
    font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}main{max-width:840px;margin:0 auto;padding:24px}\
    h2{font-size:17px;margin:28px 0 10px}h3{font-size:15px;margin:0 0 4px}\
    .decision{border-radius:10px;padding:18px 22px;color:#fff}.decision.alarm{background:#b83227}.decision.calm{background:#2e7d4f}\
    .verdict{font-size:24px;font-weight:700}.decision p{margin:6px 0 0}.facts{opacity:.9}.rule{font-size:12.5px;opacity:.85}\
    table{width:100%;border-collapse:collapse;background:#fff;border-radius:8px;overflow:hidden;box-shadow:0 1px 2px #0001}\
    th,td{padding:6px 10px;border-bottom:1px solid #eceef2;text-align:left;white-space:nowrap}th{background:#fafbfc;font-weight:600;font-size:12.5px}\
    td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}tr.drifted td{background:#fff4f2}\
    a{color:#2457a6;text-decoration:none}.note{color:#b83227;font-size:12px}.legend{color:#666;font-size:12px}\
    .badge{display:inline-block;border-radius:9px;padding:0 8px;font-size:11.5px;font-weight:600}\
    .badge.alarm{background:#fde2de;color:#b83227}.badge.shift{background:#eef0f4;color:#555}.cal{color:#777;font-size:11.5px}.badge.calm{background:#e3f2e8;color:#2e7d4f}\
    .feature{background:#fff;border-radius:8px;padding:14px 16px 8px;margin:0 0 14px;box-shadow:0 1px 2px #0001;border-left:4px solid #cfd6df}\
    .feature.drifted{border-left-color:#b83227}.details{color:#555;font-size:12.5px;margin:0 0 6px}\
    svg{max-width:100%;height:auto;display:block}.nw{white-space:nowrap}footer{color:#888;font-size:12px;margin:24px 0}
    """
}
