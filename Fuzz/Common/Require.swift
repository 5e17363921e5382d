/// A property check that, unlike `precondition` in an optimised build, says which property failed
/// and why before libFuzzer records the crash (`fatalError` keeps its message under `-O`).
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = "", file: StaticString = #fileID, line: UInt = #line) {
    if !condition() {
        fatalError("property violated: \(message())", file: file, line: line)
    }
}
