import Foundation

/// A fresh folder under the system's temporary directory, named after the test (letters of `name`) and a random suffix.
public func temporaryFolder(_ prefix: String = "cimbase", _ name: String = #function) -> String {
    let d = NSTemporaryDirectory() + "\(prefix)-\(name.filter { $0.isLetter })-\(UUID().uuidString.prefix(8))"
    try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}
