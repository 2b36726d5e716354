#if canImport(Glibc)
import Glibc
#endif

/// The monotonic clock turns are stamped with (``GizmoVM/turnStart``), in
/// nanoseconds: an integer, so a stamp fits in an atomic.
public enum TurnClock {
    public static var now: UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// Seconds between two stamps.
    public static func seconds(from start: UInt64, to end: UInt64) -> Double {
        end > start ? Double(end - start) / 1e9 : 0
    }
}
