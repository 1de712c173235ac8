/// Checks remote assets for a batch. WabaClient's `RemoteAssetChecker` is the implementation;
/// the protocol keeps the offline library free of networking.
public protocol RemoteAssetChecking: Sendable {
    /// Checks the asset at `url` as the platform would fetch it. Never throws: every problem is a finding.
    func check(url: String, asset: BatchAsset) async -> RemoteCheck
}
