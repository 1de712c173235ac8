extension MediaPreparer {
    /// The `file_name` the recipient sees for `media`, decided once the preparation is done, the same
    /// way for a single message and for a campaign's asset: the user's own name (sanitised), else the
    /// input's name with the extension of what is sent, else one made from the media type and a hash
    /// of the bytes sent.
    ///
    /// Making a name up reads the whole prepared file: call this where blocking work may run.
    ///
    /// - Throws: ``WabaMediaError`` when a made-up name's hash cannot read the file.
    public func fileName(of media: PreparedMedia, userFileName: String? = nil) throws -> InferredFileName {
        try FileNamer(profile: profile).infer(
            userFileName: userFileName, inputPath: media.input.path, mime: media.mime,
            mediaType: media.report.mediaType, contentDigest: { try FileNamer.shortDigest(of: media.media) })
    }
}
