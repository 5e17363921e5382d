import ShopperInbox
import Foundation
import ShopperCore
@testable import ShopperDrift

/// Sessions for the tests: the bundled UCI file (read with the real reader) and small
/// synthetic batches from a seeded generator.
enum TestData {
    static let bundledFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("data/online_shoppers_intention.csv")

    /// All 12,330 sessions, file order.
    static let bundled: [Session] = (try? BatchReader().read(contentsOf: bundledFile).sessions) ?? []

    static let febToJul: Set<Month> = [.feb, .mar, .apr, .may, .jun, .jul]

    /// A plausible session drawn from a seeded generator; `shift` moves the page counts and
    /// durations up.
    static func synthetic(count: Int, seed: UInt64, shift: Int = 0, browser: Int? = nil) -> [Session] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            let pages = Int.random(in: 0...40, using: &generator) + shift
            return Session(
                administrative: Int.random(in: 0...5, using: &generator), administrativeDuration: Double.random(in: 0...300, using: &generator),
                informational: Int.random(in: 0...2, using: &generator), informationalDuration: Double.random(in: 0...100, using: &generator),
                productRelated: pages, productRelatedDuration: Double(pages) * Double.random(in: 20...40, using: &generator),
                bounceRates: Double.random(in: 0...0.2, using: &generator), exitRates: Double.random(in: 0...0.2, using: &generator),
                pageValues: Double.random(in: 0...1, using: &generator) < 0.8 ? 0 : Double.random(in: 0...100, using: &generator),
                specialDay: [0, 0, 0, 0.2, 0.6][Int.random(in: 0..<5, using: &generator)],
                month: [.mar, .may, .nov][Int.random(in: 0..<3, using: &generator)],
                operatingSystems: Int.random(in: 1...3, using: &generator),
                browser: browser ?? Int.random(in: 1...2, using: &generator),
                region: Int.random(in: 1...4, using: &generator), trafficType: Int.random(in: 1...3, using: &generator),
                visitorType: Bool.random(using: &generator) ? .returning : .new,
                weekend: Int.random(in: 0..<4, using: &generator) == 0, revenue: nil
            )
        }
    }
}
