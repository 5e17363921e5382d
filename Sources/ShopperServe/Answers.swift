import ShopperCore

/// MLflow's answer: `{"predictions": [{"probability": …, "label": …, "model_version": …, "prediction_id": …}, …]}`.
struct MLflowAnswer: Encodable {
    struct Row: Encodable {
        var probability: Double
        var label: Bool
        var modelVersion: Int
        var predictionID: String
    }
    var predictions: [Row]

    init(_ scored: ScoredRows) {
        predictions = scored.probabilities.indices.map {
            Row(probability: scored.probabilities[$0], label: scored.labels[$0], modelVersion: scored.version, predictionID: scored.ids[$0])
        }
    }
}

/// The Open Inference Protocol's answer: one output tensor per answer field.
struct InferenceAnswer: Encodable {
    struct Tensor: Encodable {
        var name: String
        var datatype: String
        var shape: [Int]
        var data: TensorData
    }
    enum TensorData: Encodable {
        case numbers([Double]), flags([Bool]), texts([String])
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .numbers(let values): try container.encode(values)
            case .flags(let values): try container.encode(values)
            case .texts(let values): try container.encode(values)
            }
        }
    }
    var modelName = ServeRoutes.modelName
    var modelVersion: String
    var id: String?
    var outputs: [Tensor]

    init(_ scored: ScoredRows, id: String?) {
        let n = scored.ids.count
        modelVersion = String(scored.version)
        self.id = id
        outputs = [
            Tensor(name: "probability", datatype: "FP64", shape: [n], data: .numbers(scored.probabilities)),
            Tensor(name: "label", datatype: "BOOL", shape: [n], data: .flags(scored.labels)),
            Tensor(name: "prediction_id", datatype: "BYTES", shape: [n], data: .texts(scored.ids)),
        ]
    }
}

/// `GET /v2/models/shopperd`: the inputs a request sends and the outputs it gets.
struct ModelMetadata: Encodable {
    struct TensorInfo: Encodable {
        var name: String
        var datatype: String
        var shape: [Int]
    }
    var name = ServeRoutes.modelName
    var versions: [String]
    var platform = "shopperd-random-forest"
    var inputs = Column.inputs.map { TensorInfo(name: $0.name, datatype: InferenceRequest.datatype(of: $0), shape: [-1]) }
    var outputs = [
        TensorInfo(name: "probability", datatype: "FP64", shape: [-1]),
        TensorInfo(name: "label", datatype: "BOOL", shape: [-1]),
        TensorInfo(name: "prediction_id", datatype: "BYTES", shape: [-1]),
    ]
}
