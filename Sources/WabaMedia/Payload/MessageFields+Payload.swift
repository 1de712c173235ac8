extension MessageFields {
    /// The body of a message with these fields whose media is at `url`, which the platform fetches.
    ///
    /// - Throws: ``WabaMediaError`` `invalid-argument` for a field or URL the API would refuse.
    public func payload(_ mediaType: MediaType, url: String, fileName: String?, profile: MediaProfile) throws
        -> SendMediaPayload
    {
        try SendMediaPayload(request(mediaType, .url(url), fileName: fileName), profile: profile)
    }

    /// The body of a message with these fields whose media is the file `media`, already open: the
    /// bytes sent are that descriptor's, whatever its path names by then.
    ///
    /// - Throws: ``WabaMediaError`` `invalid-argument` for a field the API would refuse.
    public func payload(_ mediaType: MediaType, file media: FileSource, fileName: String?, profile: MediaProfile)
        throws -> SendMediaPayload
    {
        try SendMediaPayload(
            request(mediaType, .file(path: media.path), fileName: fileName), media: media, profile: profile)
    }
}
