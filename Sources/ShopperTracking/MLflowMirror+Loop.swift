import Foundation
import ShopperStore

/// The background loop (passes, waits, backoff, nudges) and the mirror's standing.
extension MLflowMirror {
    // MARK: - The background loop

    /// Mirrors until the calling task is cancelled: a pass, then a wait for `nudge()`, the next
    /// due retry or the poll interval; after a failed pass, exponential backoff (nudges do not cut
    /// a backoff short, so a stream of batches cannot hammer a server that is down).
    package func run() async {
        while !Task.isCancelled {
            let progress = await syncOnce()
            if Task.isCancelled { break }
            if progress.stoppedEarly {
                consecutiveFailedPasses += 1
                await wait(for: backoff(consecutiveFailedPasses), wakeOnNudge: false)
            } else {
                consecutiveFailedPasses = 0
                var delay = settings.pollInterval
                if let retry = progress.nextRetryAt {
                    delay = min(delay, .milliseconds(max(10, Int64(retry.timeIntervalSince(now()) * 1000))))
                }
                await wait(for: delay, wakeOnNudge: true)
            }
        }
        eventSink.finish()
    }

    /// Asks the background loop for a pass now (after a batch, a training, a promotion). Cheap;
    /// never waits for the server.
    package func nudge() {
        nudged = true
        guard wakeUpOnNudge else { return }  // a backoff runs its course; the nudge waits for the pass after it
        wake()
    }

    /// The pause after `failures` failed passes in a row: base · 2^(failures−1), at most the cap.
    func backoff(_ failures: Int) -> Duration {
        let exponent = min(max(failures - 1, 0), 30)
        let delay = settings.retryBase * (1 << exponent)
        return min(delay, settings.retryCap)
    }

    func wait(for delay: Duration, wakeOnNudge: Bool) async {
        if wakeOnNudge && nudged {
            nudged = false
            return
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: delay)
            await self?.wake()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if Task.isCancelled {
                    continuation.resume()
                } else {
                    wakeUp = continuation
                    wakeUpOnNudge = wakeOnNudge
                }
            }
        } onCancel: {
            Task { await self.wake() }
        }
        timer.cancel()
        if wakeOnNudge { nudged = false }
        // A nudge during a backoff stays pending: the pass after the backoff takes it.
    }

    func wake() {
        wakeUp?.resume()
        wakeUp = nil
        wakeUpOnNudge = false
    }

    // MARK: - Status

    /// Where the mirror stands (read from the store; the last pass's own failure when the store
    /// itself cannot be read).
    package func status() -> MirrorStatus {
        do {
            var status = try MirrorStatus.read(store: store, target: settings.target)
            if status.lastError == nil, status.health != .caughtUp, let failure = lastPassFailure {
                status.lastError = failure.error
                status.lastErrorAt = lastPassFailureAt
            }
            return status
        } catch {
            return MirrorStatus(
                target: settings.target, health: .behind, pending: MirrorCounts(), mirrored: MirrorCounts(), failures: [],
                lastError: error.description, lastErrorAt: now(), lastSuccessAt: nil)
        }
    }
}
