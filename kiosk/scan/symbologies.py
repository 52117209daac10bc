"""The barcode symbologies the kiosk reads, by the names used in configs, the CLI and results.
Kept apart from the decoder so the (pure) badge profile can validate them without OpenCV."""

SYMBOLOGIES: tuple[str, ...] = ("QR", "Code128", "Code39", "PDF417", "DataMatrix", "Aztec")
