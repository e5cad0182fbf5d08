import Foundation

/// What a child process did: exit status (or the signal that ended it), and everything it printed.
public struct ProcessResult: Sendable {
    public var status: Int32
    /// True when the process ended by a signal (`status` is then the signal number).
    public var signalled: Bool
    /// True when the runner killed it after its time limit.
    public var timedOut: Bool
    public var stdout: String
    public var stderr: String
}

/// Runs `executable` with `arguments`, reading stdout and stderr at the same time (so a child that fills one pipe
/// while the test reads the other cannot deadlock), and kills it (SIGKILL) after `timeout` seconds.
public func runChildProcess(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                       currentDirectory: String? = nil, timeout: Double = 600) throws -> ProcessResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let environment { p.environment = environment }
    if let currentDirectory { p.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out; p.standardError = err
    p.standardInput = FileHandle.nullDevice
    let collected = Collected()
    let group = DispatchGroup()
    for (pipe, isErr) in [(out, false), (err, true)] {
        group.enter()
        DispatchQueue.global().async {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            collected.set(data, isErr: isErr)
            group.leave()
        }
    }
    try p.run()
    let timedOut = Flag()
    let timer = DispatchWorkItem { if p.isRunning { timedOut.set(); kill(p.processIdentifier, SIGKILL) } }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
    p.waitUntilExit()
    timer.cancel()
    group.wait()
    let (o, e) = collected.get()
    return ProcessResult(status: p.terminationStatus, signalled: p.terminationReason == .uncaughtSignal, timedOut: timedOut.get(),
                         stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data(), err = Data()
    func set(_ d: Data, isErr: Bool) { lock.lock(); if isErr { err = d } else { out = d }; lock.unlock() }
    func get() -> (Data, Data) { lock.lock(); defer { lock.unlock() }; return (out, err) }
}

private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    func get() -> Bool { lock.lock(); defer { lock.unlock() }; return value }
}
