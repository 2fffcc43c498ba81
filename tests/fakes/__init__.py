"""Stand-ins for the external services the project talks to, for tests and benchmarks."""
