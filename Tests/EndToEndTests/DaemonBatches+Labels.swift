import Foundation

extension DaemonBatches {
    /// `csv` with every `Revenue` label inverted (`TRUE` ↔ `FALSE`): the same sessions, so the
    /// features cannot drift, but buyers and non-buyers swapped — concept drift that only the
    /// realised performance of the champion can see.
    static func flippingLabels(_ csv: String) -> String {
        let lines = csv.split(separator: "\n").map(String.init)
        precondition(lines.first?.hasSuffix(",Revenue") == true, "flippingLabels needs a labelled batch")
        let flipped = lines.dropFirst().map { line -> String in
            let cut = line.lastIndex(of: ",")!
            let label = line[line.index(after: cut)...]
            precondition(label == "TRUE" || label == "FALSE", "unexpected label \(label)")
            return line[..<cut] + (label == "TRUE" ? ",FALSE" : ",TRUE")
        }
        return ([lines[0]] + flipped).joined(separator: "\n") + "\n"
    }

    /// The number of rows labelled `TRUE` in a labelled batch.
    static func buyers(_ csv: String) -> Int {
        dataLines(csv).filter { $0.hasSuffix(",TRUE") }.count
    }
}

extension DaemonBatches {
    /// A labelled `csv` with the `Revenue` cell of every `stride`-th data row (the first, then
    /// every `stride` rows) left blank: a partially labelled batch, as when labels arrive for some
    /// sessions only.
    static func blankingLabels(_ csv: String, every stride: Int) -> String {
        let lines = csv.split(separator: "\n").map(String.init)
        precondition(lines.first?.hasSuffix(",Revenue") == true, "blankingLabels needs a labelled batch")
        let rows = lines.dropFirst().enumerated().map { index, line -> String in
            index % stride == 0 ? String(line[...line.lastIndex(of: ",")!]) : line
        }
        return ([lines[0]] + rows).joined(separator: "\n") + "\n"
    }

    /// The data rows of `csv` that have a label (`Revenue` not blank).
    static func labelledLines(_ csv: String) -> [Substring] {
        dataLines(csv).filter { !$0.hasSuffix(",") }
    }
}
