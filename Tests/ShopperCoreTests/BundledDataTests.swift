import ShopperInbox
import Foundation
import Testing
@testable import ShopperCore

/// The bundled UCI file is the reference batch: its counts are published, so they pin the reader.
@Suite struct BundledDataTests {
    @Test func readsAllRowsOfTheBundledFile() throws {
        let batch = try BatchReader().read(contentsOf: Fixtures.bundledData)
        #expect(batch.fileName == "online_shoppers_intention.csv")
        #expect(batch.sessions.count == 12_330)
        #expect(batch.positiveCount == 1_908)
        #expect(batch.isLabelled)
        #expect(batch.unknownColumns.isEmpty)
        #expect(batch.quarantined.isEmpty)
        #expect(batch.header == Column.allCases.map(\.name))
        #expect(batch.byteSize == 1_059_732)
        #expect(batch.sha256 == "d8e130ba51532985f93281a73ce299e6ce150cb915769a7962a11e595eadd6a1")
        // Header on line 1, so data row i is on line i + 2.
        #expect(batch.lines.first == 2)
        #expect(batch.lines.last == 12_331)
        // First row as published.
        let first = batch.sessions[0]
        #expect(first == Session(
            administrative: 0, administrativeDuration: 0, informational: 0, informationalDuration: 0,
            productRelated: 1, productRelatedDuration: 0, bounceRates: 0.2, exitRates: 0.2, pageValues: 0,
            specialDay: 0, month: .feb, operatingSystems: 1, browser: 1, region: 1, trafficType: 1,
            visitorType: .returning, weekend: false, revenue: false))
        #expect(batch.rawRecord(at: 0) == "0,0,0,0,1,0,0.2,0.2,0,0,Feb,1,1,1,1,Returning_Visitor,FALSE,FALSE")
    }
}
