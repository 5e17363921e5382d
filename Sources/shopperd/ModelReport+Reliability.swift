import ShopperML
import ShopperPipeline

/// What `models show` says about a model's probabilities: whether they are calibrated, and how
/// well they match the buying rate (the reliability table).
extension ModelReport {
    /// "calibrated: isotonic on 9864 out-of-bag predictions (57 knots)", or why not.
    static func calibrationLine(_ calibration: ScoreCalibration?) -> String {
        guard let c = calibration else {
            return "raw forest score (uncalibrated: a model file of version 1, trained before calibration)"
        }
        let on = c.fittedOn == "outOfBag" ? "out-of-bag predictions" : "\(c.fittedOn) predictions"
        return "calibrated: \(c.method) on \(c.rows) \(on) (\(c.scores.count) knots)"
    }

    /// The reliability table of the holdout (or, without one, of the out-of-bag predictions, which
    /// the calibration was fitted on and so flatter it); nil for reports written before it existed.
    static func reliabilityTable(_ metrics: ModelDocuments.Metrics) -> String? {
        let named: (String, ClassificationReport)? = metrics.holdout.map { ("holdout", $0) } ?? metrics.outOfBag.map { ("out-of-bag", $0) }
        guard let (name, report) = named, let reliability = report.reliability else { return nil }
        let rows = reliability.bins.map { b in
            ["\(fixed(b.lower, 1))–\(fixed(b.upper, 1))", String(b.count), fixed(b.meanPredicted, 3), fixed(b.observedRate, 3)]
        }
        var text = "Reliability on the \(name) rows: ECE \(fixed(reliability.ece)), Brier \(fixed(reliability.brier))"
        if name == "out-of-bag" { text += " (in-sample for the calibration: flattering)" }
        text += ".\n"
        return text + TextTable.render(header: ["PROBABILITY", "ROWS", "MEAN PREDICTED", "OBSERVED RATE"], rows: rows, rightAligned: [1, 2, 3])
    }
}
