import ShopperCore

/// An answer written straight to JSON bytes rather than through `JSONEncoder`: the answers every
/// scoring request gets. The bytes are what `JSONPolicy.encode(_, form: .compact, keys: .snakeCase)`
/// gives for the same value (keys sorted and in snake_case, strings escaped by `JSONPolicy`'s
/// escaper), numbers in Swift's shortest round-trip form; the `Encodable` conformance stays for
/// comparison in tests.
protocol JSONBytes {
    func appendJSON(to out: inout [UInt8])
}

extension JSONBytes {
    var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        appendJSON(to: &out)
        return out
    }
}

/// The pieces the answers are written with.
enum JSONBytesWriter {
    static func append(_ text: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// A finite number as `JSONEncoder` writes it: Swift's shortest form (`0.25`, `1e-05`) without a
    /// trailing `.0` (`0`, `1`); a non-finite one as `null`.
    static func append(_ number: Double, to out: inout [UInt8]) {
        guard number.isFinite else { return append("null", to: &out) }
        let text = number.description.utf8
        out.append(contentsOf: text.count > 2 && text.suffix(2).elementsEqual(".0".utf8) ? text.dropLast(2) : text[...])
    }

    static func append(_ number: Int, to out: inout [UInt8]) {
        SessionValidator.appendDecimal(number, to: &out)
    }

    static func append(_ flag: Bool, to out: inout [UInt8]) {
        flag ? append("true", to: &out) : append("false", to: &out)
    }

    static func append(string: String, to out: inout [UInt8]) {
        JSONPolicy.appendQuoted(string, to: &out)
    }
}

/// MLflow's answer: `{"predictions": [{"probability": …, "label": …, "model_version": …, "prediction_id": …}, …]}`.
struct MLflowAnswer: Encodable {
    struct Row: Encodable {
        var probability: Double
        var label: Bool
        var modelVersion: Int
        var predictionID: String
    }
    let scored: ScoredRows

    init(_ scored: ScoredRows) {
        self.scored = scored
    }

    /// The rows as values: for `Encodable` (tests compare its encoding with `appendJSON`'s bytes).
    var predictions: [Row] {
        scored.probabilities.indices.map {
            Row(probability: scored.probabilities[$0], label: scored.labels[$0], modelVersion: scored.version, predictionID: scored.ids[$0])
        }
    }

    private enum CodingKeys: String, CodingKey { case predictions }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(predictions, forKey: .predictions)
    }
}

extension MLflowAnswer: JSONBytes {
    func appendJSON(to out: inout [UInt8]) {
        typealias W = JSONBytesWriter
        out.reserveCapacity(out.count + 32 + scored.probabilities.count * 100)
        var version: [UInt8] = []
        W.append(scored.version, to: &version)
        W.append(#"{"predictions":["#, to: &out)
        for k in scored.probabilities.indices {
            W.append(k == 0 ? #"{"label":"# : #",{"label":"#, to: &out)
            W.append(scored.labels[k], to: &out)
            W.append(#","model_version":"#, to: &out)
            out.append(contentsOf: version)
            W.append(#","prediction_id":"#, to: &out)
            scored.ids.appendJSON(k, to: &out)
            W.append(#","probability":"#, to: &out)
            W.append(scored.probabilities[k], to: &out)
            W.append("}", to: &out)
        }
        W.append("]}", to: &out)
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
        var count: Int {
            switch self {
            case .numbers(let values): values.count
            case .flags(let values): values.count
            case .texts(let values): values.count
            }
        }
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
            Tensor(name: "prediction_id", datatype: "BYTES", shape: [n], data: .texts(Array(scored.ids))),
        ]
    }
}

extension InferenceAnswer: JSONBytes {
    func appendJSON(to out: inout [UInt8]) {
        typealias W = JSONBytesWriter
        out.reserveCapacity(out.count + 256 + outputs.reduce(0) { $0 + $1.data.count } * 32)
        W.append("{", to: &out)
        if let id {
            W.append(#""id":"#, to: &out)
            W.append(string: id, to: &out)
            W.append(",", to: &out)
        }
        W.append(#""model_name":"#, to: &out)
        W.append(string: modelName, to: &out)
        W.append(#","model_version":"#, to: &out)
        W.append(string: modelVersion, to: &out)
        W.append(#","outputs":["#, to: &out)
        for (k, tensor) in outputs.enumerated() {
            W.append(k == 0 ? #"{"data":["# : #",{"data":["#, to: &out)
            switch tensor.data {
            case .numbers(let values):
                for (j, value) in values.enumerated() {
                    if j > 0 { W.append(",", to: &out) }
                    W.append(value, to: &out)
                }
            case .flags(let values):
                for (j, value) in values.enumerated() {
                    if j > 0 { W.append(",", to: &out) }
                    W.append(value, to: &out)
                }
            case .texts(let values):
                for (j, value) in values.enumerated() {
                    if j > 0 { W.append(",", to: &out) }
                    W.append(string: value, to: &out)
                }
            }
            W.append(#"],"datatype":"#, to: &out)
            W.append(string: tensor.datatype, to: &out)
            W.append(#","name":"#, to: &out)
            W.append(string: tensor.name, to: &out)
            W.append(#","shape":["#, to: &out)
            for (j, extent) in tensor.shape.enumerated() {
                if j > 0 { W.append(",", to: &out) }
                W.append(extent, to: &out)
            }
            W.append("]}", to: &out)
        }
        W.append("]}", to: &out)
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
