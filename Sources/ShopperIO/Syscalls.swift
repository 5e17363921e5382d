#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The few calls swift-system does not wrap, named so that the descriptor methods can call the
// C function without the name clash.
func system_fsync(_ fd: Int32) -> Int32 { fsync(fd) }
var system_errno: Int32 { errno }
let system_O_NOCTTY: Int32 = O_NOCTTY
