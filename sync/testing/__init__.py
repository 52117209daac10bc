"""Real stand-ins used by sync's tests and benchmark: a store with the documented Store API (until
``kiosk.store.MemoryLeadStore`` is used instead), a loopback server that speaks the central wire
protocol, loopback servers that follow the HubSpot and Salesforce documented contracts, and a
fault-injecting TCP proxy. Nothing in the kiosk's runtime imports this package."""
