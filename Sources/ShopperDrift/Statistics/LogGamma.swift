#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `log|Γ(x)|` from the C library. One named wrapper because `lgamma` is overloaded (a
/// `(Double, Int)` variant also returns the sign) and the overload makes long expressions slow
/// to type-check.
@inline(__always)
func logGamma(_ x: Double) -> Double {
    let value: Double = lgamma(x)
    return value
}
