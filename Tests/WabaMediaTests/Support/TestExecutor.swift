import WabaMedia

extension BlockingExecutor {
    /// Where this test process's preparations and checks do their blocking work: two threads, as
    /// many as a small machine has cores, kept for the life of the process.
    static let tests = BlockingExecutor(threads: 2)
}
