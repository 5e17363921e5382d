extension ParsedBatch {
    /// The cells of a column that is not one of the schema's (an `unknownColumns` name, matched
    /// case-insensitively), one per valid row in `sessions` order, trimmed of blanks, doubled quotes
    /// undone; nil when the header has no such column. The feedback column `prediction_id` is read
    /// this way: the reader keeps every record's bytes, so nothing is parsed twice for batches
    /// without it.
    package func cells(ofExtraColumn name: String) -> [String]? {
        let wanted = name.lowercased()
        guard unknownColumns.contains(where: { $0.lowercased() == wanted }),
              let position = header.firstIndex(where: { $0.lowercased() == wanted }) else { return nil }
        return withRawRecords { bytes, starts, ends in
            guard let base = bytes.baseAddress else { return Array(repeating: "", count: starts.count) }
            var cells: [String] = []
            cells.reserveCapacity(starts.count)
            for index in starts.indices {
                var scanner = RecordScanner(base: base, count: ends[index], start: starts[index])
                defer { scanner.deallocate() }
                guard case .record = scanner.next(), position < scanner.fields.count else {
                    cells.append("")
                    continue
                }
                let field = scanner.fields[position]
                var text = String(decoding: UnsafeBufferPointer(start: base + field.start, count: field.end - field.start), as: UTF8.self)
                if field.flags & RecordScanner.Field.escapedQuote != 0 { text = text.replacingDoubledQuotes() }
                cells.append(text.trimmingBlanks())
            }
            return cells
        }
    }
}
