import WabaMedia

extension MIMEType {
    /// The `Content-Type` of text the sandbox serves: this type, encoded as UTF-8.
    var utf8ContentType: String { "\(rawValue); charset=utf-8" }
}
