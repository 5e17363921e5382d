import Foundation

extension DaemonBatches {
    /// Every row of one month (`Feb`, `Mar`, …), in file order.
    static func month(_ name: String, labelled: Bool = true) -> String {
        csv(table.months.indices.filter { table.months[$0] == name }, labelled: labelled)
    }

    private static let stationaryBuyers = bootstrapPoolRows(revenue: "TRUE")
    private static let stationaryNonBuyers = bootstrapPoolRows(revenue: "FALSE")

    private static func bootstrapPoolRows(revenue: String) -> [Int] {
        table.months.indices.filter { springSummer.contains(table.months[$0]) && table.rows[$0].hasSuffix("," + revenue) }
    }

    /// A labelled Feb–Jul batch of `rows` rows with exactly `buyers` buyers; `part` picks disjoint rows.
    static func labelled(rows: Int, buyers: Int, part: Int) -> String {
        let chosen = Array(stationaryBuyers[(part * 40)..<(part * 40 + buyers)])
            + Array(stationaryNonBuyers[(part * 400)..<(part * 400 + rows - buyers)])
        return csv(chosen.sorted(), labelled: true)
    }
}
