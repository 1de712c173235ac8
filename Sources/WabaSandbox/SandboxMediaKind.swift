public import Foundation

/// How a message's media arrived: uploaded in `media_data` as base64, or given as a URL.
public enum SandboxMediaKind: String, Sendable, Hashable, Codable {
    case base64
    case url
}
