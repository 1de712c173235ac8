// WabaSandbox
