import ShopperPipeline

extension DaemonEvent {
    /// The journal fields of a challenger trial's paired test, so `journalctl PROMOTION_TEST=delong`
    /// and alerting on `P_VALUE_WORSE` work without parsing the message: the difference
    /// (challenger − champion), its interval and level, the one-sided p-value that the challenger is
    /// worse, the test and the rule. Empty without a trial (a first champion, a plain batch).
    static func pairedFields(_ paired: PairedComparison?) -> [JournalField] {
        guard let paired else { return [] }
        return [
            JournalField("PROMOTION_TEST", paired.test),
            JournalField("DIFFERENCE", "\(paired.difference)"),
            JournalField("DIFFERENCE_CI_LOW", "\(paired.intervalLow)"),
            JournalField("DIFFERENCE_CI_HIGH", "\(paired.intervalHigh)"),
            JournalField("DIFFERENCE_CI_LEVEL", "\(paired.confidence)"),
            JournalField("P_VALUE_WORSE", "\(paired.pValueWorse)"),
            JournalField("PROMOTION_RULE", paired.rule),
        ]
    }
}
