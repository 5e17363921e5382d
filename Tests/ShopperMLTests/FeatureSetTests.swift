import ShopperCore
import Testing
@testable import ShopperML

struct FeatureSetTests {
    static func session(pageValues: Double, month: Month, visitor: VisitorType, revenue: Bool?) -> Session {
        Session(
            administrative: 2, administrativeDuration: 30.5, informational: 0, informationalDuration: 0,
            productRelated: 12, productRelatedDuration: 410.25, bounceRates: 0.01, exitRates: 0.04,
            pageValues: pageValues, specialDay: 0.2, month: month, operatingSystems: 2, browser: 3, region: 7,
            trafficType: 11, visitorType: visitor, weekend: true, revenue: revenue)
    }

    @Test func inputsAreTheSeventeenColumnsInPublishedOrder() {
        #expect(FeatureSet.inputs.names == Column.inputs.map(\.name))
        #expect(FeatureSet.inputs.names.count == 17)
    }

    @Test func matrixIsColumnMajorThroughNumericValue() throws {
        let sessions = [
            Self.session(pageValues: 0, month: .feb, visitor: .new, revenue: false),
            Self.session(pageValues: 38.5, month: .nov, visitor: .returning, revenue: true),
        ]
        let matrix = FeatureSet.inputs.matrix(for: sessions)
        #expect(matrix.rowCount == 2 && matrix.featureCount == 17)
        for (f, column) in Column.inputs.enumerated() {
            for (r, session) in sessions.enumerated() {
                #expect(matrix[r, f] == session.numericValue(column))
            }
        }
        let page = try #require(matrix.featureNames.firstIndex(of: "PageValues"))
        #expect(matrix.column(page) == [0, 38.5])
        #expect(matrix.row(1)[try #require(matrix.featureNames.firstIndex(of: "Month"))] == 11)
        #expect(try FeatureSet.labels(for: sessions) == [false, true])
    }

    @Test func unlabelledSessionsCannotGiveLabels() {
        let sessions = [
            Self.session(pageValues: 0, month: .feb, visitor: .new, revenue: false),
            Self.session(pageValues: 1, month: .mar, visitor: .other, revenue: nil),
        ]
        #expect(throws: ForestError.missingLabels(rows: [2])) { try FeatureSet.labels(for: sessions) }
    }

    @Test func moreNamedFeaturesCanBeAddedAndSelectedByName() throws {
        let total = Feature(name: "TotalDuration") {
            $0.administrativeDuration + $0.informationalDuration + $0.productRelatedDuration
        }
        let extended = try FeatureSet.inputs.adding([total])
        #expect(extended.names.count == 18 && extended.names.last == "TotalDuration")
        let matrix = extended.matrix(for: [Self.session(pageValues: 0, month: .may, visitor: .new, revenue: nil)])
        #expect(matrix[0, 17] == 440.75)
        // A loaded model's feature list picks the extractors back, in the model's order.
        let picked = try extended.selecting(["PageValues", "TotalDuration"])
        #expect(picked.names == ["PageValues", "TotalDuration"])
        #expect(throws: ForestError.self) { try extended.selecting(["PageValues", "Nope"]) }
        #expect(throws: ForestError.self) { try FeatureSet.inputs.adding([Feature(column: .month)]) }
    }

    @Test func goldFeaturesComeFromShopperCore() throws {
        let all = FeatureSet.inputsAndGold()
        #expect(all.names == FeatureRow.featureNames)
        let session = Self.session(pageValues: 20, month: .nov, visitor: .returning, revenue: true)
        let matrix = all.matrix(for: [session])
        let row = FeatureRow(session: session)
        for (f, name) in all.names.enumerated() {
            #expect(matrix[0, f] == row.value(named: name))
        }
        let named = try FeatureSet.named(["TotalDuration", "PageValues"])
        #expect(named.matrix(for: [session]).row(0) == [440.75, 20])
        #expect(throws: ForestError.self) { try FeatureSet.named(["PageValues", "Unknown"]) }
    }

    @Test func matrixRejectsRaggedOrDuplicateColumns() {
        #expect(throws: ForestError.self) { try FeatureMatrix(featureNames: ["a", "b"], columns: [[1, 2], [3]]) }
        #expect(throws: ForestError.self) { try FeatureMatrix(featureNames: ["a", "a"], columns: [[1], [2]]) }
        #expect(throws: ForestError.self) { try FeatureMatrix(featureNames: ["a"], rowCount: 2, columnMajor: [1]) }
    }
}
