// The WabaMedia library: prepares media for WhatsApp's send-media API.
