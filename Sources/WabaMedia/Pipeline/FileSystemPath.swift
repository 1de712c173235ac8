import Foundation
package import WabaEncoding

/// File names as bytes (``WabaEncoding``'s), for the command line.
package typealias FileSystemPath = WabaEncoding.FileSystemPath
