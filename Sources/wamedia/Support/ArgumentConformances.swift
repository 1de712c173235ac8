import ArgumentParser
import WabaMedia

extension MediaType: ExpressibleByArgument {}
extension TranscodeSpeed: ExpressibleByArgument {}
extension AudioTarget: ExpressibleByArgument {}
extension ManifestFormat: ExpressibleByArgument {}
