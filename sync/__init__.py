"""The outbox and the transports that deliver leads to the central system and CRMs."""
