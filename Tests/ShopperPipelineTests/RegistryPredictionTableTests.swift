import Foundation
import ShopperCore
import ShopperStore
import Testing
@testable import ShopperPipeline

/// The table `shopperd score` writes: columns, number forms, labels, and that it reads back.
@Suite struct RegistryPredictionTableTests {
    static let predictions = [
        Prediction(rowNumber: 1, probability: 0, label: false),
        Prediction(rowNumber: 2, probability: 0.1 + 0.2, label: true),
        Prediction(rowNumber: 3, probability: 1, label: true),
        Prediction(rowNumber: 4, probability: 2.5e-7, label: false),
    ]
    static let table = PredictionTable(predictions: predictions, lines: [2, 3, 5, 9], modelVersion: 7)

    @Test func csvHasOneRowPerPredictionWithExactProbabilities() throws {
        let csv = Self.table.csv()
        #expect(csv == """
            row,line,probability,label,model_version,prediction_id
            1,2,0,FALSE,7,
            2,3,0.30000000000000004,TRUE,7,
            3,5,1,TRUE,7,
            4,9,2.5e-07,FALSE,7,

            """)
        // Every probability reads back as the very same Double.
        let cells = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        #expect(zip(cells, Self.predictions).allSatisfy { Double(String($0[2])) == $1.probability })
    }

    @Test func jsonUsesTheSameKeysAndBooleanLabels() throws {
        struct Row: Decodable, Equatable {
            var row: Int
            var line: Int
            var probability: Double
            var label: Bool
            var model_version: Int
            var prediction_id: String?
        }
        let rows = try JSONDecoder().decode([Row].self, from: Data(Self.table.json().utf8))
        #expect(rows == zip(Self.predictions, [2, 3, 5, 9]).map {
            Row(row: $0.rowNumber, line: $1, probability: $0.probability, label: $0.label, model_version: 7, prediction_id: nil)
        })
        #expect(PredictionTable(predictions: [], lines: [], modelVersion: 1).json() == "[]\n")
        #expect(PredictionTable(predictions: [], lines: [], modelVersion: 1).csv() == "row,line,probability,label,model_version,prediction_id\n")
    }

    /// The outbox's table: per-row versions (an A/B rollout) and the prediction ids feedback names.
    @Test func perRowVersionsAndIDs() throws {
        let table = PredictionTable(predictions: Self.predictions, lines: [2, 3, 5, 9], modelVersions: [7, 8, 7, 8],
                                    ids: (1...4).map { BatchPredictionID.make(batchVersion: 12, row: $0) })
        #expect(table.csv().split(separator: "\n").map(String.init) == [
            "row,line,probability,label,model_version,prediction_id",
            "1,2,0,FALSE,7,b12-1", "2,3,0.30000000000000004,TRUE,8,b12-2", "3,5,1,TRUE,7,b12-3", "4,9,2.5e-07,FALSE,8,b12-4",
        ])
        #expect(table.json().contains("\"model_version\": 8, \"prediction_id\": \"b12-4\"}"))
    }
}
