import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// The HTTP client of every `gz.fetch` in the process: one AsyncHTTPClient,
/// made on the first fetch, so its connections are pooled across states,
/// and shut down when the server stops (``shutdown()``).
///
/// It follows no redirect (a redirect may lead to a host the grants do not
/// name: the script gets the 3xx and its `location`), decompresses nothing
/// (a small compressed answer must not grow past the cap after it was
/// checked), and does not retry a connection that nothing accepts.
public enum FetchClient {
    private static let state = Mutex<(client: HTTPClient?, stopped: Bool)>((nil, false))

    static let connectTimeout: TimeAmount = .seconds(10)

    /// The client; nil once the server is stopping.
    static func client() -> HTTPClient? {
        state.withLock { state in
            guard !state.stopped else { return nil }
            if let client = state.client { return client }
            var configuration = HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: .init(connect: connectTimeout),
                decompression: .disabled
            )
            configuration.connectionPool.retryConnectionEstablishment = false
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            state.client = client
            return client
        }
    }

    /// Stops the client (the server stops): fetches in flight fail, later ones are refused.
    public static func shutdown() async {
        let client = state.withLock { state in
            defer {
                state.client = nil
                state.stopped = true
            }
            return state.client
        }
        try? await client?.shutdown()
    }

    /// What a fetch came to.
    enum Answer: Sendable {
        case answer(status: Int, headers: [(name: String, value: String)], body: [UInt8])
        /// A network failure, a timeout, an answer too large: `nil, message` for the script.
        case failure(String)
    }

    /// Performs `request`, reading at most `bodyLimit` bytes of the answer's body.
    /// - Parameter limitReason: what the limit is, for the message when the body is larger.
    static func perform(_ request: FetchRequest, bodyLimit: Int, limitReason: String) async -> Answer {
        guard let client = client() else { return .failure("gz.fetch: the server is stopping") }
        let http = clientRequest(request)
        let timeout = request.timeout
        let target = LogText.escaped(request.url, limit: 200)
        do {
            return try await withThrowingTaskGroup(of: Answer.self) { group in
                group.addTask {
                    let deadline = NIODeadline.now() + .nanoseconds(Int64(timeout * 1e9))
                    let response = try await client.execute(http, deadline: deadline)
                    let body = try await response.body.collect(upTo: bodyLimit)
                    return .answer(status: Int(response.status.code),
                                   headers: response.headers.map { (name: $0.name.lowercased(), value: $0.value) },
                                   body: Array(buffer: body))
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(timeout))
                    return .failure("gz.fetch: \(target) did not answer within \(Self.seconds(timeout))")
                }
                let first = try await group.next()!
                group.cancelAll()
                return first
            }
        } catch is NIOTooManyBytesError {
            return .failure("gz.fetch: the answer's body is larger than \(limitReason)")
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            return .failure("gz.fetch: \(target) did not answer within \(Self.seconds(timeout))")
        } catch {
            return .failure("gz.fetch: \(target) could not be fetched: \(Self.describe(error))")
        }
    }

    private static func clientRequest(_ request: FetchRequest) -> HTTPClientRequest {
        var http = HTTPClientRequest(url: request.url)
        http.method = HTTPMethod(rawValue: request.method)
        for header in request.headers { http.headers.add(name: header.name, value: header.value) }
        if let body = request.body { http.body = .bytes(body) }
        return http
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) } // "Connection refused"
        if let error = error as? HTTPClientError { return LogText.escaped(error.shortDescription, limit: 300) }
        return LogText.escaped(String(describing: error), limit: 300)
    }
}
