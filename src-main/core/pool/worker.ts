// Worker-pool entry (being built).
