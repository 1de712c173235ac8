import WabaMedia

extension BlockingExecutor {
    /// An executor of two threads, as many as a small machine has cores, for one preparer or checker:
    /// each test waits only for its own blocking work, never behind the other suites' running at the
    /// same time. It ends when the last preparer holding it is gone.
    static var tests: BlockingExecutor { BlockingExecutor(threads: 2) }
}
