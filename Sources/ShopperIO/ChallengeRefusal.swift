import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Refuses HTTP authentication challenges at once, and remembers which request got one: the one
/// way shopperd's HTTP clients (the MLflow mirror, the webhooks) send a request through URLSession.
///
/// swift-corelibs-foundation turns a 401 that carries `WWW-Authenticate` (MLflow's basic-auth app
/// sends `Basic realm="mlflow"`) into a challenge to the session's delegate; with no delegate the
/// request never completes, and only the deadline ends it, as "no answer". shopperd sends its
/// credentials itself (the `Authorization` header), so every challenge is refused; the refused
/// request then fails as cancelled, and the transport reports the 401 instead.
package final class ChallengeRefusal: NSObject, URLSessionTaskDelegate, Sendable {
    /// The refused tasks' identifiers, with the status of the answer that challenged them.
    private let refused = Mutex<[Int: Int]>([:])

    override package init() {
        super.init()
    }

    package func urlSession(_ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
                    completionHandler: @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) -> Void) {
        let status = (challenge.failureResponse as? HTTPURLResponse)?.statusCode ?? 401
        refused.withLock { $0[task.taskIdentifier] = status }
        completionHandler(.rejectProtectionSpace, nil)
    }

    /// What became of one request.
    package enum Outcome: Sendable {
        case answer(Data, URLResponse)
        /// The server challenged it (the status, 401): its credentials are missing or wrong.
        case challenged(status: Int)
        case failed(any Error)
    }

    /// Sends `request` through `session` (whose delegate is this object). Cancelling the calling task
    /// cancels the request.
    package func send(_ request: URLRequest, through session: URLSession) async -> Outcome {
        let current = Mutex<URLSessionDataTask?>(nil)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                let task = session.dataTask(with: request) { data, response, error in
                    let id = current.withLock { $0?.taskIdentifier }
                    let status = id.flatMap { id in self.refused.withLock { $0.removeValue(forKey: id) } }
                    if let status {
                        continuation.resume(returning: .challenged(status: status))
                    } else if let error {
                        continuation.resume(returning: .failed(error))
                    } else if let response {
                        continuation.resume(returning: .answer(data ?? Data(), response))
                    } else {
                        continuation.resume(returning: .failed(URLError(.badServerResponse)))
                    }
                }
                current.withLock { $0 = task }
                task.resume()
                if Task.isCancelled { task.cancel() }
            }
        } onCancel: {
            current.withLock { $0 }?.cancel()
        }
    }
}
