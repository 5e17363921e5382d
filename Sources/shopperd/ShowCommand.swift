import ArgumentParser
import Foundation
import ShopperCore
import ShopperStore

/// `shopperd show --layer L`: a layer's rows as of a version, as CSV or JSON.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a layer's rows (bronze, silver or gold) as of a store version.",
        discussion: """
            bronze: each record as received (version, file, line, raw). silver: typed, cleaned rows (version, \
            line, duplicate_of_line, the 18 columns). gold: the model-ready table (version, line, the 17 inputs, \
            the gold features, Revenue). CSV cells a spreadsheet would run as a formula are prefixed with '.
            """
    )

    enum Layer: String, ExpressibleByArgument, CaseIterable {
        case bronze, silver, gold
    }

    @OptionGroup var state: StateOptions

    @Option(help: "The layer: bronze, silver or gold.")
    var layer: Layer

    @Option(name: .customLong("as-of"), help: ArgumentHelp("Show the data as of this store version (default: the current one).", valueName: "N"))
    var asOf: Int?

    @Option(help: ArgumentHelp("At most K rows.", valueName: "K"))
    var limit: Int?

    @Option(help: "Output format: csv or json.")
    var format: TableFormat = .csv

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") }
        if let asOf, asOf < 0 { throw ValidationError("--as-of must be a version number (0 or more)") }
    }

    func run() throws {
        let store = try state.openStore()
        let table: LayerTable
        do {
            switch layer {
            case .bronze: table = LayerTable(bronze: try store.bronze(asOf: asOf, limit: limit))
            case .silver: table = LayerTable(silver: try store.sessions(asOf: asOf, limit: limit))
            case .gold: table = LayerTable(gold: try store.gold(asOf: asOf, limit: limit))
            }
        } catch {
            throw Terminal.fail(error)
        }
        var out = Terminal.Output()
        switch format {
        case .csv: table.writeCSV(to: &out)
        case .json: table.writeJSON(to: &out)
        }
        out.flush()
    }
}

/// A layer's rows as named, typed cells: one place decides the columns of both CSV and JSON output.
struct LayerTable {
    enum Value {
        case int(Int)
        case double(Double)
        case text(String)
        case bool(Bool)
        case null
    }

    let columns: [String]
    let rows: [[Value]]

    init(bronze: [BronzeRecord]) {
        columns = ["version", "file", "line", "raw"]
        rows = bronze.map { [.int($0.version), .text($0.fileName), .int($0.line), .text($0.rawText)] }
    }

    init(silver: [StoredSession]) {
        columns = ["version", "line", "duplicate_of_line"] + Column.allCases.map(\.name)
        rows = silver.map { row in
            [.int(row.version), .int(row.line), row.duplicateOfLine.map { .int($0) } ?? .null]
                + Column.allCases.map { LayerTable.value(row.session, $0) }
        }
    }

    init(gold: [GoldRecord]) {
        columns = ["version", "line"] + FeatureRow.featureNames + [Column.revenue.name]
        rows = gold.map { record in
            [.int(record.version), .int(record.line)]
                + Column.inputs.map { LayerTable.value(record.row.session, $0) }
                + GoldFeatures.Feature.allCases.map { feature in
                    feature.isCategorical || feature == .totalPages
                        ? .int(Int(record.row.gold.value(feature))) : .double(record.row.gold.value(feature))
                }
                + [LayerTable.value(record.row.session, .revenue)]
        }
    }

    static func value(_ session: Session, _ column: Column) -> Value {
        switch column.kind {
        case .pageCount, .code: .int(Int(session.numericValue(column)))
        case .duration, .unitInterval, .nonNegative: .double(session.numericValue(column))
        case .month, .visitorType: .text(session.categoryLabel(column))
        case .boolean:
            column == .revenue ? (session.revenue.map { .bool($0) } ?? .null) : .bool(session.weekend)
        }
    }

    func writeCSV(to out: inout Terminal.Output) {
        var writer = CSVWriter()
        writer.writeRow(columns)
        out.write(writer.text)
        for row in rows {
            var line = CSVWriter()
            line.writeRow(row.map { value -> CSVWriter.Cell in
                switch value {
                case .int(let v): .int(v)
                case .double(let v): .double(v)
                case .text(let v): .text(v)
                case .bool(let v): .text(v ? "TRUE" : "FALSE")
                case .null: .text("")
                }
            })
            out.write(line.text)
        }
    }

    func writeJSON(to out: inout Terminal.Output) {
        let keys = columns.map(LayerTable.jsonString)
        out.write("[")
        for (index, row) in rows.enumerated() {
            out.write(index == 0 ? "\n  {" : ",\n  {")
            for (i, value) in row.enumerated() {
                if i > 0 { out.write(", ") }
                out.write(keys[i] + ": " + LayerTable.json(value))
            }
            out.write("}")
        }
        out.write(rows.isEmpty ? "]\n" : "\n]\n")
    }

    static func json(_ value: Value) -> String {
        switch value {
        case .int(let v): String(v)
        case .double(let v): CSVWriter.number(v)
        case .text(let v): jsonString(v)
        case .bool(let v): v ? "true" : "false"
        case .null: "null"
        }
    }

    /// A JSON string literal (`JSONPolicy.quoted`).
    static func jsonString(_ text: String) -> String {
        JSONPolicy.quoted(text)
    }
}
