import Testing
@testable import ShopperML

struct StratifiedSplitTests {
    @Test func keepsClassRatiosAndPartitionsRows() throws {
        // 1,000 rows, 155 buyers (15.5 %, the bundled data's share).
        let labels = (0..<1_000).map { $0 % 1_000 < 155 }
        let split = try StratifiedSplit(labels: labels, validationFraction: 0.1, testFraction: 0.2, seed: 42)
        let all = (split.train + split.validation + split.test).sorted()
        #expect(all == Array(0..<1_000))  // disjoint and complete
        #expect(split.test.count == 200 && split.validation.count == 100 && split.train.count == 700)
        // Test: quotas 31 buyers + 169 others, exact. Validation: quotas 15.5 + 84.5, the one row left
        // after flooring goes to the tie's first class (non-buyers): 15 + 85. Train keeps the rest.
        #expect(split.test.filter { labels[$0] }.count == 31)
        #expect(split.validation.filter { labels[$0] }.count == 15)
        #expect(split.train.filter { labels[$0] }.count == 109)
    }

    @Test func sameSeedSameSplitOtherSeedOtherSplit() throws {
        let labels = (0..<300).map { $0 % 3 == 0 }
        let a = try StratifiedSplit(labels: labels, validationFraction: 0, testFraction: 0.25, seed: 7)
        let b = try StratifiedSplit(labels: labels, validationFraction: 0, testFraction: 0.25, seed: 7)
        let c = try StratifiedSplit(labels: labels, validationFraction: 0, testFraction: 0.25, seed: 8)
        #expect(a == b)
        #expect(a.test != c.test)
        #expect(a.validation.isEmpty)
    }

    @Test func apportionSharesByLargestRemainder() {
        #expect(StratifiedSplit.apportion(10, among: [7, 3]) == [7, 3])
        #expect(StratifiedSplit.apportion(5, among: [7, 3]) == [4, 1])  // quotas 3.5, 1.5: tie to the first
        #expect(StratifiedSplit.apportion(4, among: [5, 3, 2]) == [2, 1, 1])  // quotas 2, 1.2, 0.8
        #expect(StratifiedSplit.apportion(0, among: [5, 5]) == [0, 0])
    }

    @Test func rejectsFractionsThatLeaveNothingToTrain() {
        #expect(throws: ForestError.self) {
            try StratifiedSplit(labels: [true, false], validationFraction: 0.5, testFraction: 0.5, seed: 1)
        }
    }
}
