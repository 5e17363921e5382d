import Foundation

/// CSV batches cut from the bundled data for the daemon's end-to-end tests.
///
/// The bundled file is roughly in month order (Feb, Mar, May, then the later months mixed), so a
/// prefix is not a sample: it would drift in `Month` (and more) against anything else. Batches
/// are therefore taken by striding evenly through a pool of rows:
/// - the **bootstrap** file: three of every four Feb–Jul rows (4,631 rows, labelled) — the first
///   champion's training data and so the drift reference;
/// - **stationary** batches: the fourth Feb–Jul row of every four (a pool of 1,544 rows the
///   champion never saw), strided over the whole pool so every month keeps its share;
/// - **drifted** batches: Nov/Dec rows (4,725), against which the Feb–Jul reference drifts in
///   `Month` and several behavioural features (holiday shoppers browse and buy differently);
/// - **autumn** batches: Aug–Oct rows (1,430), months no champion of these tests trains on, whose
///   shoppers also behave differently (Administrative, TrafficType, VisitorType…): they drift
///   against a champion retrained on Nov/Dec too, which a Nov/Dec batch no longer does (a batch
///   is compared with the reference rows of its own months).
///
/// Different `part`s of the same size are disjoint row sets, so their contents (and SHA-256) differ:
/// the daemon rejects a batch whose content it already stored as a duplicate.
enum DaemonBatches {
    static let springSummer: Set<String> = ["Feb", "Mar", "May", "June", "Jul"]
    static let holiday: Set<String> = ["Nov", "Dec"]

    static let table: (header: String, rows: [String], months: [String]) = {
        let text = try! String(contentsOfFile: IngestEndToEndTests.bundled, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        let monthColumn = lines[0].split(separator: ",").firstIndex(of: "Month")!
        let rows = Array(lines.dropFirst())
        let months = rows.map { String($0.split(separator: ",", omittingEmptySubsequences: false)[monthColumn]) }
        return (lines[0], rows, months)
    }()

    private static let springSummerRows: [Int] = table.months.indices.filter { springSummer.contains(table.months[$0]) }
    private static let holidayRows: [Int] = table.months.indices.filter { holiday.contains(table.months[$0]) }
    private static let autumnRows: [Int] = table.months.indices.filter { ["Aug", "Sep", "Oct"].contains(table.months[$0]) }
    private static let bootstrapRows: [Int] = springSummerRows.enumerated().filter { $0.offset % 4 != 0 }.map(\.element)
    private static let stationaryPool: [Int] = springSummerRows.enumerated().filter { $0.offset % 4 == 0 }.map(\.element)

    /// The labelled Feb–Jul file the first champion is trained from (`--bootstrap`).
    static var bootstrap: String { csv(bootstrapRows, labelled: true) }
    static var bootstrapRowCount: Int { bootstrapRows.count }

    /// `rows` Feb–Jul rows the champion never trained on, spread evenly over the whole pool.
    /// `part` (0 ..< pool/rows) picks a disjoint set.
    static func stationary(rows: Int = 300, part: Int = 0, labelled: Bool = false) -> String {
        csv(strided(stationaryPool, rows: rows, part: part), labelled: labelled)
    }

    /// `rows` Nov/Dec rows spread evenly over all of them; `part` picks a disjoint set.
    static func drifted(rows: Int = 300, part: Int = 0, labelled: Bool = true) -> String {
        csv(strided(holidayRows, rows: rows, part: part), labelled: labelled)
    }

    /// `rows` Aug–Oct rows spread evenly over all of them; `part` picks a disjoint set.
    static func autumn(rows: Int = 300, part: Int = 0, labelled: Bool = false) -> String {
        csv(strided(autumnRows, rows: rows, part: part), labelled: labelled)
    }

    /// `rows` rows of one month (`May`, `Mar`…) the champion never trained on, spread evenly over
    /// that month's share of the stationary pool: a feed that delivers one month per file.
    static func singleMonth(_ month: String, rows: Int, part: Int = 0, labelled: Bool = true) -> String {
        csv(strided(stationaryPool.filter { table.months[$0] == month }, rows: rows, part: part), labelled: labelled)
    }

    /// A stationary batch with one bad cell: `BounceRates` on physical line `line` (the header is
    /// line 1) holds `abc`.
    static func invalid(rows: Int = 50, badLine line: Int = 5) -> String {
        var lines = stationary(rows: rows, part: 7).split(separator: "\n").map(String.init)
        var cells = lines[line - 1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        cells[6] = "abc"  // BounceRates
        lines[line - 1] = cells.joined(separator: ",")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The data lines of a batch (without the header).
    static func dataLines(_ csv: String) -> [Substring] {
        Array(csv.split(separator: "\n").dropFirst())
    }

    private static func strided(_ pool: [Int], rows: Int, part: Int) -> [Int] {
        precondition(rows > 0 && rows <= pool.count && part >= 0 && part < pool.count / rows, "no such part")
        return (0..<rows).map { pool[$0 * pool.count / rows + part] }
    }

    static func csv(_ indices: [Int], labelled: Bool) -> String {
        func cut(_ line: String) -> String {
            labelled ? line : String(line[..<line.lastIndex(of: ",")!])
        }
        return ([cut(table.header)] + indices.map { cut(table.rows[$0]) }).joined(separator: "\n") + "\n"
    }
}
