// WabaClient
