/// Inline SVG charts of one feature, reference against current: for a numeric feature a
/// histogram on shared bins next to the two ECDFs with the KS gap marked; for a categorical
/// one grouped bars of the category proportions, unseen categories flagged.
enum FeatureChart {
    static let width = 760.0
    static let height = 250.0
    static let referenceColour = "#5b7fb3"
    static let currentColour = "#e8743b"

    // MARK: Numeric

    static func numeric(result: ColumnDrift, reference: [Double], current: [Double]) -> String {
        let sortedCurrent = current.sorted()
        let distinct = Array(Set(reference).union(sortedCurrent)).sorted()
        let plainAxis = ValueAxis(sortedReference: reference, current: sortedCurrent)
        let discrete = plainAxis.scale == .linear && distinct.count <= 25
        // Few distinct values: half a gap of room on each side so the end bars sit on their value.
        let smallestGap = zip(distinct.dropFirst(), distinct).map { $0 - $1 }.min() ?? 1
        let axis = discrete ? plainAxis.padded(by: 0.5 * smallestGap / (plainAxis.upper - plainAxis.lower)) : plainAxis
        var svg = open(label: "\(result.column.name): reference and current distributions")

        // Histogram panel: a bar pair per value when there are few distinct values (SpecialDay,
        // small counts), otherwise 24 equal bins of the axis.
        let h = Panel(left: 56, top: 28, width: 380, height: 170)
        if discrete {
            let referenceShares = shares(reference, of: distinct)
            let currentShares = shares(sortedCurrent, of: distinct)
            let (yMax, ticks) = niceRange(max(referenceShares.max() ?? 0, currentShares.max() ?? 0))
            svg += h.frame(title: "share of rows per value")
            svg += h.yTicks(maximum: yMax, ticks: ticks)
            let gaps = zip(distinct.dropFirst(), distinct).map { h.width * ($0 - $1) / (axis.upper - axis.lower) }
            let pair = min(gaps.min() ?? h.width, 60) * 0.8
            for (index, value) in distinct.enumerated() {
                let centre = h.left + h.width * axis.fraction(value)
                let left = centre - pair / 2
                svg += h.bar(x: left, width: pair / 2, value: referenceShares[index] / yMax, colour: referenceColour)
                svg += h.bar(x: left + pair / 2, width: pair / 2, value: currentShares[index] / yMax, colour: currentColour)
            }
        } else {
            let bins = 24
            let referenceBins = axis.histogram(reference, bins: bins)
            let currentBins = axis.histogram(sortedCurrent, bins: bins)
            let (yMax, ticks) = niceRange(max(referenceBins.max() ?? 0, currentBins.max() ?? 0))
            svg += h.frame(title: "histogram (share of rows per bin)")
            svg += h.yTicks(maximum: yMax, ticks: ticks)
            let slot = h.width / Double(bins)
            for bin in 0..<bins {
                let x = h.left + Double(bin) * slot
                svg += h.bar(x: x + slot * 0.1, width: slot * 0.4, value: referenceBins[bin] / yMax, colour: referenceColour)
                svg += h.bar(x: x + slot * 0.5, width: slot * 0.4, value: currentBins[bin] / yMax, colour: currentColour)
            }
        }
        svg += h.xTicks(axis)

        // ECDF panel, the KS gap as a red segment (its size in the panel title, clear of the curves).
        let e = Panel(left: 490, top: 28, width: 250, height: 170)
        var ecdfTitle = "ECDF"
        if let location = result.statisticLocation {
            ecdfTitle += " · D = \(NumberFormat.c("%.3f", result.statistic)) at \(NumberFormat.c("%g", location))"
        }
        svg += e.frame(title: ecdfTitle)
        svg += e.yTicks(maximum: 1, ticks: 4)
        svg += e.xTicks(axis)
        svg += e.ecdf(reference, axis: axis, colour: referenceColour)
        svg += e.ecdf(sortedCurrent, axis: axis, colour: currentColour)
        if let location = result.statisticLocation {
            let x = e.left + e.width * min(max(axis.fraction(location), 0), 1)
            let a = ecdfValue(reference, at: location), b = ecdfValue(sortedCurrent, at: location)
            svg += "<line x1=\"\(f(x))\" y1=\"\(f(e.y(a)))\" x2=\"\(f(x))\" y2=\"\(f(e.y(b)))\" stroke=\"#c0392b\" stroke-width=\"3\"/>"
            svg += "<circle cx=\"\(f(x))\" cy=\"\(f(e.y(a)))\" r=\"2.5\" fill=\"#c0392b\"/><circle cx=\"\(f(x))\" cy=\"\(f(e.y(b)))\" r=\"2.5\" fill=\"#c0392b\"/>"
        }
        svg += legend(x: 56, y: height - 12)
        svg += "</svg>"
        return svg
    }

    /// A y-axis top that is a whole number of nice steps (1, 2 or 5 × 10ⁿ) above `top`, and
    /// the number of steps (2 to 5).
    static func niceRange(_ top: Double) -> (Double, Int) {
        let peak = max(top, 1e-9)
        let step = ValueAxis.niceStep(peak / 5)
        let count = max(2, Int((peak / step - 1e-9).rounded(.up)))
        return (min(1, step * Double(count)), count)
    }

    /// The share of `values` equal to each of `distinct`.
    static func shares(_ values: [Double], of distinct: [Double]) -> [Double] {
        var counts = [Double: Int]()
        for value in values { counts[value, default: 0] += 1 }
        return distinct.map { Double(counts[$0] ?? 0) / Double(max(values.count, 1)) }
    }

    static func ecdfValue(_ sorted: [Double], at value: Double) -> Double {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] <= value { low = mid + 1 } else { high = mid }
        }
        return sorted.isEmpty ? 0 : Double(low) / Double(sorted.count)
    }

    // MARK: Categorical

    static func categorical(result: ColumnDrift, labels: [String], reference: [Int], current: [Int]) -> String {
        let referenceTotal = Double(max(reference.reduce(0, +), 1)), currentTotal = Double(max(current.reduce(0, +), 1))
        let referenceShares = reference.map { Double($0) / referenceTotal }
        let currentShares = current.map { Double($0) / currentTotal }
        let unseen = Set(result.unseenCategories ?? [])
        var svg = open(label: "\(result.column.name): category shares, reference and current")
        let p = Panel(left: 56, top: 28, width: 684, height: 170)
        let (yMax, ticks) = niceRange(max(referenceShares.max() ?? 0, currentShares.max() ?? 0))
        svg += p.frame(title: "share of rows per category")
        svg += p.yTicks(maximum: yMax, ticks: ticks)
        let slot = p.width / Double(max(labels.count, 1))
        let barWidth = min(slot * 0.38, 36)
        for (index, label) in labels.enumerated() {
            let centre = p.left + (Double(index) + 0.5) * slot
            svg += p.bar(x: centre - barWidth, width: barWidth, value: referenceShares[index] / yMax, colour: referenceColour)
            svg += p.bar(x: centre, width: barWidth, value: currentShares[index] / yMax, colour: currentColour)
            let isNew = unseen.contains(label)
            let shown = label.count > 18 ? String(label.prefix(17)) + "…" : label
            svg += text(centre, p.top + p.height + 15, shown + (isNew ? " *" : ""), anchor: "middle",
                        colour: isNew ? "#c0392b" : "#333", weight: isNew ? "600" : "400")
        }
        svg += legend(x: 56, y: height - 12, note: unseen.isEmpty ? nil : "* not in the reference")
        svg += "</svg>"
        return svg
    }

    // MARK: Drawing helpers

    struct Panel {
        let left: Double, top: Double, width: Double, height: Double

        func y(_ fraction: Double) -> Double { top + height * (1 - min(max(fraction, 0), 1)) }

        func frame(title: String) -> String {
            "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"#fbfbfd\" stroke=\"#d5d8de\"/>"
                + FeatureChart.text(left, top - 9, title, anchor: "start", colour: "#555", weight: "400")
        }

        /// Grid lines and percentage labels at `ticks` equal steps up to `maximum` (a share).
        func yTicks(maximum: Double, ticks: Int) -> String {
            var out = ""
            for step in 0...ticks {
                let fraction = Double(step) / Double(ticks)
                let yy = y(fraction)
                out += "<line x1=\"\(f(left))\" y1=\"\(f(yy))\" x2=\"\(f(left + width))\" y2=\"\(f(yy))\" stroke=\"#eceef2\"/>"
                let label = NumberFormat.c("%g%%", (maximum * fraction * 1000).rounded() / 10)
                out += FeatureChart.text(left - 6, yy + 4, label, anchor: "end", colour: "#666", weight: "400")
            }
            return out
        }

        func xTicks(_ axis: ValueAxis) -> String {
            var out = ""
            var lastX = -Double.infinity
            for tick in axis.ticks() {
                let x = left + width * axis.fraction(tick)
                guard x - lastX >= 28 else { continue }
                lastX = x
                out += "<line x1=\"\(f(x))\" y1=\"\(f(top + height))\" x2=\"\(f(x))\" y2=\"\(f(top + height + 4))\" stroke=\"#888\"/>"
                out += FeatureChart.text(x, top + height + 16, NumberFormat.axis(tick), anchor: "middle", colour: "#666", weight: "400")
            }
            if axis.scale == .log1p {
                out += FeatureChart.text(left + width, top + height + 30, "log scale", anchor: "end", colour: "#999", weight: "400")
            }
            return out
        }

        func bar(x: Double, width barWidth: Double, value: Double, colour: String) -> String {
            let clamped = min(max(value, 0), 1)
            guard clamped > 0 else { return "" }
            let barHeight = max(height * clamped, 0.8)
            return "<rect x=\"\(f(x))\" y=\"\(f(top + height - barHeight))\" width=\"\(f(barWidth))\" height=\"\(f(barHeight))\" fill=\"\(colour)\"/>"
        }

        /// A step polyline of the ECDF sampled at 240 points of the axis.
        func ecdf(_ sorted: [Double], axis: ValueAxis, colour: String) -> String {
            var points = [String]()
            var previous: Double?
            let samples = 240
            for step in 0...samples {
                let t = axis.lower + (axis.upper - axis.lower) * Double(step) / Double(samples)
                let value = FeatureChart.ecdfValue(sorted, at: axis.inverse(t))
                let x = left + width * Double(step) / Double(samples)
                if let previous, previous != value { points.append("\(f(x)),\(f(y(previous)))") }
                points.append("\(f(x)),\(f(y(value)))")
                previous = value
            }
            return "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>"
        }
    }

    static func open(label: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" height=\"\(f(height))\" role=\"img\" aria-label=\"\(HTML.escape(label))\" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\" font-size=\"11\">"
    }

    static func legend(x: Double, y: Double, note: String? = nil) -> String {
        var out = "<rect x=\"\(f(x))\" y=\"\(f(y - 9))\" width=\"12\" height=\"10\" fill=\"\(referenceColour)\"/>"
        out += text(x + 17, y, "reference", anchor: "start", colour: "#333", weight: "400")
        out += "<rect x=\"\(f(x + 90))\" y=\"\(f(y - 9))\" width=\"12\" height=\"10\" fill=\"\(currentColour)\"/>"
        out += text(x + 107, y, "current batch", anchor: "start", colour: "#333", weight: "400")
        if let note { out += text(x + 210, y, note, anchor: "start", colour: "#c0392b", weight: "400") }
        return out
    }

    static func text(_ x: Double, _ y: Double, _ content: String, anchor: String, colour: String, weight: String) -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\" fill=\"\(colour)\" font-weight=\"\(weight)\">\(HTML.escape(content))</text>"
    }

    static func f(_ value: Double) -> String { NumberFormat.c("%.1f", value) }
}
