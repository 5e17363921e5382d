/// Writes sessions as a batch file in the published layout, which `BatchReader` reads back to
/// identical sessions (numbers are written in their shortest exact form).
///
/// For tools that cut the bundled data into batches (the demo, tests, benchmarks).
package enum SessionCSV {
    /// The header and one row per session; `Revenue` is written only when `labelled`.
    package static func encode(_ sessions: [Session], labelled: Bool) -> String {
        let columns = labelled ? Column.allCases : Column.inputs
        var writer = CSVWriter()
        writer.writeRow(columns.map(\.name))
        for session in sessions {
            writer.writeRow(columns.map { column -> CSVWriter.Cell in
                column.isCategorical
                    ? .text(session.categoryLabel(column))
                    : .double(session.numericValue(column))
            })
        }
        return writer.text
    }
}
