extension AVInfo {
    /// Whether its boxes can be rewritten with the samples copied, not re-encoded: an undamaged,
    /// unfragmented ISO base media file. What a container rewrite needs (``ContainerRewriter``
    /// names the obstacle when it is not), and what the rules count on when they call a container
    /// problem fixable.
    var boxesAreRewritable: Bool { container.isISOBaseMedia && problems.isEmpty && !fragmented }
}
